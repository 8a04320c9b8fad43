using System.Buffers;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Benchmarks;

/// <summary>
/// The YAML-to-JSON step of a <c>path_config_source</c> reload: the CDS file of the e2e push-file run
/// (<c>benchmarks/e2e/run.sh</c>, <c>write_cds</c>): 1,000 STATIC clusters x 10 endpoints in flow style, about 1.1 MB.
/// </summary>
[MemoryDiagnoser]
public class YamlConversionBenchmarks
{
    private const int Clusters = 1000;
    private const int EndpointsPerCluster = 10;

    private readonly ArrayBufferWriter<byte> _output = new();
    private string _cdsYaml = string.Empty;

    [GlobalSetup]
    public void Setup() => _cdsYaml = CdsYaml(Clusters, version: 1, changed: -1);

    [Benchmark(Description = "CDS YAML 1,000 STATIC clusters x 10 endpoints -> JSON string")]
    public int ConvertToString() => YamlJsonConverter.Convert(_cdsYaml).Length;

    [Benchmark(Description = "same -> UTF-8 JSON byte[]")]
    public int ConvertToUtf8Array() => YamlJsonConverter.ConvertToUtf8(_cdsYaml).Length;

    [Benchmark(Description = "same -> UTF-8 JSON into a reused IBufferWriter")]
    public int ConvertToUtf8Writer()
    {
        _output.ResetWrittenCount();
        YamlJsonConverter.ConvertToUtf8(_cdsYaml, _output);
        return _output.WrittenCount;
    }

    // Same text write_cds produces (cluster 0 is the upstream, the changed cluster's ports move by 5000 + version).
    internal static string CdsYaml(int clusters, int version, int changed)
    {
        var text = new StringBuilder(1200 * clusters);
        text.Append(CultureInfo.InvariantCulture, $"version_info: \"{version}\"\nresources:\n");
        for (var c = 0; c < clusters; c++)
        {
            text.Append(CultureInfo.InvariantCulture, $"- \"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\n  name: c{c}\n  type: STATIC\n  connect_timeout: 1s\n");
            text.Append(CultureInfo.InvariantCulture, $"  load_assignment:\n    cluster_name: c{c}\n    endpoints:\n    - lb_endpoints:\n");
            if (c == 0)
            {
                text.Append("      - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 18080 } } }\n");
                continue;
            }

            var port = 20000 + ((c % 100) * 10) + (c == changed ? 5000 + version : 0);
            for (var e = 0; e < EndpointsPerCluster; e++)
            {
                text.Append(CultureInfo.InvariantCulture, $"      - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.{2 + (c / 100)}, port_value: {port + e} }} }} }}\n");
            }
        }

        return text.ToString();
    }
}
