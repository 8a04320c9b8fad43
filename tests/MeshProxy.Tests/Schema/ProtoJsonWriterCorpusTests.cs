using System.Buffers;
using System.Text;
using System.Text.Json;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Bootstrap;
using MeshProxy.Tests.Protos;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Schema;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace MeshProxy.Tests.Schema;

// The configs MeshProxy meets (every example under deploy/, the Istio sidecar fixture, the bootstrap samples tests
// load): each bootstrap, response and resource written by ProtoJsonWriter must be what JsonFormatter writes with a
// registry of every Envoy type.
public sealed class ProtoJsonWriterCorpusTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance));

    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public static TheoryData<string> Configs()
    {
        var deploy = Path.Combine(Repository(), "deploy");
        return
        [
            .. Directory.EnumerateFiles(deploy, "*.*", SearchOption.AllDirectories)
                .Where(path => path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal) || path.EndsWith(".json", StringComparison.Ordinal))
                .Select(path => Path.GetRelativePath(Repository(), path))
                .Order(StringComparer.Ordinal),
            "fixture:cds.json", "fixture:eds.json", "fixture:lds.json", "fixture:rds.json",
            "sample:Yaml", "sample:Json", "sample:Minimal",
        ];
    }

    [Fact]
    public void Configs_FindTheDeployExamples()
    {
        Assert.Contains(Path.Combine("deploy", "examples", "tcp-proxy.yaml"), ((IEnumerable<object[]>)Configs()).Select(row => (string)row[0]));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Format_Config_IsJsonFormattersJson(string name)
    {
        var messages = Load(name);

        Assert.NotEmpty(messages);
        foreach (var message in messages)
        {
            JsonWriterParity.AssertEnvoy(message);
            AssertAnyParity(message);
        }
    }

    [Fact]
    public void Format_EnvoyMessageWithEveryMapAndWellKnownKind_IsJsonFormattersJson()
    {
        var cluster = new Cluster
        {
            Name = "c",
            ConnectTimeout = new Duration { Seconds = 1, Nanos = 500_000_000 },
            PerConnectionBufferLimitBytes = 0, // a wrapper set to its default is still written
            Metadata = new Metadata
            {
                FilterMetadata =
                {
                    ["envoy.lb"] = new Struct { Fields = { ["canary"] = Value.ForBool(true), ["weight"] = Value.ForNumber(0.5), ["none"] = Value.ForNull() } },
                    ["empty"] = new Struct(),
                },
                TypedFilterMetadata = { ["typed"] = Any.Pack(new Duration { Seconds = 3 }), ["nested"] = Any.Pack(Any.Pack(new Cluster { Name = "inner" })) },
            },
            TypedExtensionProtocolOptions =
            {
                ["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"] = Any.Pack(new Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptions
                {
                    ExplicitHttpConfig = new Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptions.Types.ExplicitHttpConfig
                    {
                        Http2ProtocolOptions = new Http2ProtocolOptions { MaxConcurrentStreams = 100, HpackTableSize = 0 },
                    },
                }),
            },
            LbPolicy = (Cluster.Types.LbPolicy)77, // a number this build does not know
            Type = Cluster.Types.DiscoveryType.Static, // the oneof member at its default
            CommonLbConfig = new Cluster.Types.CommonLbConfig { HealthyPanicThreshold = new Envoy.Type.V3.Percent { Value = -0.0 } },
            UpstreamConnectionOptions = new UpstreamConnectionOptions { TcpKeepalive = new TcpKeepalive() },
        };

        JsonWriterParity.AssertEnvoy(cluster);
        AssertAnyParity(cluster);
    }

    public static TheoryData<string> Proto2Cases() => ["defaults set", "values set", "nothing set"];

    // validate.proto is proto2: every singular field tracks presence, repeated scalars are not packed.
    [Theory]
    [MemberData(nameof(Proto2Cases))]
    public void Format_Proto2Message_IsJsonFormattersJson(string name)
    {
        var rules = name switch
        {
            "defaults set" => new Validate.FieldRules
            {
                Message = new Validate.MessageRules { Skip = false, Required = false },
                Uint64 = new Validate.UInt64Rules { Const = 0, Lt = 0, In = { 0, ulong.MaxValue } },
            },
            "values set" => new Validate.FieldRules
            {
                Sint32 = new Validate.SInt32Rules { Const = -5, In = { int.MinValue, -1 }, NotIn = { 3 } },
            },
            _ => new Validate.FieldRules { Bytes = new Validate.BytesRules() },
        };

        JsonWriterParity.AssertEnvoy(rules);
    }

    [Fact]
    public void Format_AnyOfTypeEnvoyLacks_WritesItsBytes()
    {
        var node = new Node { Id = "n", Metadata = new Struct(), UserAgentBuildVersion = new BuildVersion() };
        var response = new DiscoveryResponse { Resources = { new Any { TypeUrl = "type.googleapis.com/istio.Unknown", Value = node.ToByteString() } } };

        Assert.Throws<InvalidOperationException>(() => JsonWriterParity.EnvoyFormatter.Format(response));
        using var json = JsonDocument.Parse(ProtoJsonWriter.Format(response));

        var resource = json.RootElement.GetProperty("resources")[0];
        Assert.Equal("type.googleapis.com/istio.Unknown", resource.GetProperty("@type").GetString());
        Assert.Equal(node.ToByteArray(), resource.GetProperty("@value").GetBytesFromBase64());
    }

    [Fact]
    public void Format_NonAsciiText_IsLeftUnescaped()
    {
        // As JsonFormatter leaves it: /config_dump and runtime values stay readable.
        var text = ProtoJsonWriter.Format(new Node { Id = "é中 <a> & 'q'" });

        Assert.Equal("""{"id":"é中 <a> & 'q'"}""", text);
    }

    [Fact]
    public void Write_IntoAnOpenWriter_NestsAsAValue()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("a");
            ProtoJsonWriter.Write(writer, new Node { Id = "x", Cluster = "y" });
            writer.WritePropertyName("b");
            ProtoJsonWriter.WriteAsAny(writer, new Cluster { Name = "c", ConnectTimeout = new Duration { Nanos = 1_000 } });
            writer.WritePropertyName("c");
            writer.WriteStartArray();
            ProtoJsonWriter.Write(writer, new Envoy.Type.V3.Percent { Value = 1e21 });
            ProtoJsonWriter.Write(writer, new Duration { Seconds = -1 });
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        JsonWriterParity.AssertSame(
            """
            {"a": {"id": "x", "cluster": "y"},
             "b": {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "c", "connect_timeout": "0.000001s"},
             "c": [{"value": 1e+21}, "-1s"]}
            """,
            Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    // ConfigDumpRenderer writes each resource as Any.Pack would give it to JsonFormatter.
    private static void AssertAnyParity(IMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ProtoJsonWriter.WriteAsAny(writer, message);
        }

        JsonWriterParity.AssertSame(JsonWriterParity.EnvoyFormatter.Format(Any.Pack(message)), Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static List<IMessage> Load(string name)
    {
        string json;
        if (name.StartsWith("fixture:", StringComparison.Ordinal))
        {
            using var stream = typeof(ProtoJsonWriterCorpusTests).Assembly.GetManifestResourceStream("Fixtures/IstioSidecar/" + name["fixture:".Length..])!;
            json = new StreamReader(stream).ReadToEnd();
        }
        else if (name.StartsWith("sample:", StringComparison.Ordinal))
        {
            json = name["sample:".Length..] switch
            {
                "Yaml" => YamlJsonConverter.Convert(BootstrapSamples.Yaml),
                "Json" => BootstrapSamples.Json,
                _ => YamlJsonConverter.Convert(BootstrapSamples.Minimal),
            };
        }
        else
        {
            var text = File.ReadAllText(Path.Combine(Repository(), name));
            json = name.EndsWith(".json", StringComparison.Ordinal) ? text : YamlJsonConverter.Convert(text);
        }

        // A file source's DiscoveryResponse lists resources; everything else is a bootstrap.
        using (var document = JsonDocument.Parse(json))
        {
            if (!document.RootElement.TryGetProperty("resources", out _))
            {
                return [Parser.Parse<BootstrapProto>(json)];
            }
        }

        var response = Parser.Parse<DiscoveryResponse>(json);
        return [response, .. response.Resources.Select(any => any.Unpack(EnvoyTypeRegistry.Instance))];
    }
}
