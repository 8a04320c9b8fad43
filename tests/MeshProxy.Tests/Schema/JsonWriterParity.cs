using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Tests.Protos;
using MeshProxy.Tests.Schema.Parity;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Tests.Schema;

/// <summary>
/// Google.Protobuf's <c>JsonFormatter</c> as the reference for <see cref="ProtoJsonWriter"/>: both outputs are parsed and
/// must be the same JSON, property order and number text included (only whitespace and string escaping may differ).
/// </summary>
internal static class JsonWriterParity
{
    public static JsonFormatter EnvoyFormatter { get; } = new(
        JsonFormatter.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance).WithPreserveProtoFieldNames(true));

    public static JsonFormatter TestFormatter { get; } = new(
        JsonFormatter.Settings.Default.WithTypeRegistry(TypeRegistry.FromFiles(JsonParityReflection.Descriptor)).WithPreserveProtoFieldNames(true));

    /// <summary>The schema of json_parity.proto and what it imports, from Google.Protobuf's compiled descriptors.</summary>
    public static ProtoSchema TestSchema { get; } = ProtoSchema.FromDescriptorSet(DescriptorSet(JsonParityReflection.Descriptor));

    /// <summary>An Envoy API message: <see cref="ProtoJsonWriter.Format"/> against the formatter with every Envoy type.</summary>
    public static void AssertEnvoy(IMessage message) => AssertSame(EnvoyFormatter.Format(message), ProtoJsonWriter.Format(message));

    /// <summary>A json_parity.proto message, written from its own bytes.</summary>
    public static void AssertTest(IMessage message) => AssertTest(message, message.ToByteArray());

    /// <summary>Bytes as they are (odd encodings included) against what the formatter makes of them once parsed.</summary>
    public static void AssertTestWire<T>(byte[] wire)
        where T : IMessage<T>, new() =>
        AssertTest(new MessageParser<T>(() => new T()).ParseFrom(wire), wire);

    public static string WriteTest(string fullName, byte[] wire)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ProtoJsonWriter.Write(writer, TestSchema.GetMessage(fullName), wire);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void AssertSame(string expected, string actual)
    {
        var options = new JsonDocumentOptions { MaxDepth = 512 }; // 100 levels of messages nest deeper than the default 64
        using var expectedDocument = JsonDocument.Parse(expected, options);
        using var actualDocument = JsonDocument.Parse(actual, options);
        var difference = Difference(expectedDocument.RootElement, actualDocument.RootElement, "$");
        Assert.True(difference is null, $"{difference}\nexpected: {expected}\nactual:   {actual}");
    }

    private static void AssertTest(IMessage parsed, byte[] wire) =>
        AssertSame(TestFormatter.Format(parsed), WriteTest(parsed.Descriptor.FullName, wire));

    private static string? Difference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return $"{path}: {expected.ValueKind} expected, {actual.ValueKind} written";
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedProperties = expected.EnumerateObject().ToList();
                var actualProperties = actual.EnumerateObject().ToList();
                var names = string.Join(",", expectedProperties.Select(p => p.Name));
                var actualNames = string.Join(",", actualProperties.Select(p => p.Name));
                if (names != actualNames)
                {
                    return $"{path}: properties [{names}] expected, [{actualNames}] written";
                }

                for (var i = 0; i < expectedProperties.Count; i++)
                {
                    if (Difference(expectedProperties[i].Value, actualProperties[i].Value, $"{path}.{expectedProperties[i].Name}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return $"{path}: {expected.GetArrayLength()} elements expected, {actual.GetArrayLength()} written";
                }

                var index = 0;
                foreach (var (e, a) in expected.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    if (Difference(e, a, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : $"{path}: \"{expected.GetString()}\" expected, \"{actual.GetString()}\" written";
            case JsonValueKind.Number:
                return expected.GetRawText() == actual.GetRawText() ? null : $"{path}: {expected.GetRawText()} expected, {actual.GetRawText()} written";
            default:
                return null; // true, false, null: the kind says it all
        }
    }

    private static byte[] DescriptorSet(FileDescriptor root)
    {
        // FileDescriptorSet: repeated FileDescriptorProto file = 1.
        using var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        foreach (var file in Closure(root).DistinctBy(file => file.Name))
        {
            coded.WriteTag(1, WireFormat.WireType.LengthDelimited);
            coded.WriteBytes(file.SerializedData);
        }

        coded.Flush();
        return output.ToArray();
    }

    private static IEnumerable<FileDescriptor> Closure(FileDescriptor file) => file.Dependencies.SelectMany(Closure).Append(file);
}
