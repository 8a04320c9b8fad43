using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Config JSON to protos: ProtoJsonReader (schema from the embedded descriptor set, transcoded to the binary encoding,
/// read by the generated parser) against Google.Protobuf's JsonParser with the full Envoy registry, on
/// deploy/examples/tcp-proxy.yaml's bootstrap and on the push-file CDS of benchmarks/e2e/run.sh (1,000 STATIC
/// clusters x 10 endpoints, each an Any). Both start from the JSON text. The registry's descriptors are built in setup:
/// their one-time cost (megabytes of heap kept for good) is not in these figures.
/// </summary>
[MemoryDiagnoser]
public class ProtoJsonBenchmarks
{
    private static readonly JsonParser Reference = new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypes.Registry));

    private string _bootstrap = string.Empty;
    private string _cds = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _bootstrap = YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(Repository(), "deploy", "examples", "tcp-proxy.yaml")));
        _cds = YamlJsonConverter.Convert(CdsYaml(clusters: 1000, endpoints: 10));
        _ = Reference.Parse<BootstrapProto>(_bootstrap);
        if (!ProtoJsonReader.Parse(_cds, DiscoveryResponse.Parser).Equals(Reference.Parse<DiscoveryResponse>(_cds)))
        {
            throw new InvalidOperationException("the two parsers disagree on the CDS file");
        }
    }

    [Benchmark(Description = "tcp-proxy.yaml bootstrap: JsonParser")]
    public BootstrapProto BootstrapJsonParser() => Reference.Parse<BootstrapProto>(_bootstrap);

    [Benchmark(Description = "tcp-proxy.yaml bootstrap: ProtoJsonReader")]
    public BootstrapProto BootstrapProtoJsonReader() => ProtoJsonReader.Parse(_bootstrap, BootstrapProto.Parser);

    [Benchmark(Description = "CDS file, 1,000 clusters x 10 endpoints: JsonParser")]
    public DiscoveryResponse CdsJsonParser() => Reference.Parse<DiscoveryResponse>(_cds);

    [Benchmark(Description = "CDS file, 1,000 clusters x 10 endpoints: ProtoJsonReader")]
    public DiscoveryResponse CdsProtoJsonReader() => ProtoJsonReader.Parse(_cds, DiscoveryResponse.Parser);

    // The shape benchmarks/e2e/run.sh's write_cds gives the push-file scenario.
    private static string CdsYaml(int clusters, int endpoints)
    {
        var yaml = new StringBuilder("version_info: \"1\"\nresources:\n");
        for (var c = 0; c < clusters; c++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: c{c}\n  type: STATIC\n  connect_timeout: 1s\n");
            yaml.Append(CultureInfo.InvariantCulture, $"  load_assignment:\n    cluster_name: c{c}\n    endpoints:\n    - lb_endpoints:\n");
            var port = 20000 + (c % 100) * 10;
            for (var e = 0; e < endpoints; e++)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.{2 + c / 100}, port_value: {port + e} }} }} }}\n");
            }
        }

        return yaml.ToString();
    }

    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));
}
