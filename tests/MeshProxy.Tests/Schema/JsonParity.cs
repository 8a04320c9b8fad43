using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Tests.Protos;
using MeshProxy.Tests.Schema.Json;
using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Tests.Schema;

/// <summary>
/// Google.Protobuf's JsonParser (default settings, a registry of every type in play) is the reference: whatever it
/// reads, ProtoJsonReader reads to an equal message (and, serialized, to the same bytes); whatever it refuses,
/// ProtoJsonReader refuses with a <see cref="ConfigException"/>.
/// </summary>
internal static class JsonParity
{
    private static readonly JsonParser EnvoyReference = new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance));
    private static readonly JsonParser TestReference = new(JsonParser.Settings.Default.WithTypeRegistry(TypeRegistry.FromFiles(JsonTestReflection.Descriptor)));

    /// <summary>The schema of json_test.proto and the well-known types, from the descriptors' serialized files.</summary>
    public static ProtoSchema TestSchema { get; } = ProtoSchema.FromDescriptorSet(DescriptorSet(JsonTestReflection.Descriptor));

    public static MessageSchema Everything => TestSchema.GetMessage("meshproxy.tests.json.Everything");

    /// <summary>An Envoy API message: same result as JsonParser, or refused by both; returns ours (null when refused).</summary>
    public static T? AssertEnvoy<T>(string json)
        where T : class, IMessage<T>, new() =>
        Assert<T>(json, EnvoyReference, ProtoSchema.Envoy.GetMessage(typeof(T)));

    /// <summary>A json_test.proto <c>Everything</c>: same result as JsonParser, or refused by both.</summary>
    public static Everything? AssertEverything(string json) => Assert<Everything>(json, TestReference, Everything);

    /// <summary>The error both parsers give; fails when JsonParser accepts the input.</summary>
    public static ConfigException AssertRefused(string json)
    {
        var reference = Record.Exception(() => TestReference.Parse<Everything>(json));
        Xunit.Assert.True(reference is not null, $"JsonParser accepts {json}");
        return Xunit.Assert.Throws<ConfigException>(() => ProtoJsonReader.Parse(json, Json.Everything.Parser, Everything));
    }

    private static T? Assert<T>(string json, JsonParser reference, MessageSchema schema)
        where T : class, IMessage<T>, new()
    {
        T expected;
        try
        {
            expected = reference.Parse<T>(json);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or InvalidOperationException or FormatException)
        {
            var refused = Record.Exception(() => ProtoJsonReader.Parse(json, new MessageParser<T>(() => new T()), schema));
            Xunit.Assert.True(refused is ConfigException, $"JsonParser refuses {json} ({ex.Message}), ProtoJsonReader gives {refused?.GetType().Name ?? "a message"}");
            return null;
        }

        var ours = ProtoJsonReader.Parse(json, new MessageParser<T>(() => new T()), schema);
        Xunit.Assert.True(expected.Equals(ours), $"for {json}\nJsonParser:      {Show(expected)}\nProtoJsonReader: {Show(ours)}");
        var bytes = ProtoJsonReader.ToProtobuf(Encoding.UTF8.GetBytes(json), schema);
        Xunit.Assert.True(
            expected.ToByteArray().AsSpan().SequenceEqual(bytes),
            $"for {json}\nJsonParser's serialized: {Convert.ToHexString(expected.ToByteArray())}\nProtoJsonReader's:       {Convert.ToHexString(bytes)}");
        return ours;
    }

    private static string Show(IMessage message)
    {
        try
        {
            return message.ToString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return Convert.ToHexString(message.ToByteArray()); // JsonFormatter refuses some of what parses (an empty Struct key)
        }
    }

    // A FileDescriptorSet (field 1: FileDescriptorProto) of a file and its imports.
    private static byte[] DescriptorSet(FileDescriptor root)
    {
        var files = new List<FileDescriptor>();
        void Add(FileDescriptor file)
        {
            if (files.Contains(file))
            {
                return;
            }

            foreach (var dependency in file.Dependencies)
            {
                Add(dependency);
            }

            files.Add(file);
        }

        Add(root);
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var file in files)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(file.SerializedData);
        }

        output.Flush();
        return stream.ToArray();
    }
}
