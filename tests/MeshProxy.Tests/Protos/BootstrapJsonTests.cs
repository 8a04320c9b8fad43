using Envoy.Config.Bootstrap.V3;
using Envoy.Config.Cluster.V3;
using Envoy.Extensions.Upstreams.Http.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace MeshProxy.Tests.Protos;

public sealed class BootstrapJsonTests
{
    // Shaped like the bootstrap an Istio sidecar starts with: snake_case names, durations as strings.
    private const string BootstrapJson = """
        {
          "node": { "id": "sidecar~10.1.2.3~reviews-v1.default~default.svc.cluster.local", "cluster": "reviews.default" },
          "dynamic_resources": {
            "ads_config": {
              "api_type": "GRPC",
              "transport_api_version": "V3",
              "grpc_services": [ { "envoy_grpc": { "cluster_name": "xds-grpc" } } ]
            },
            "cds_config": { "ads": {}, "resource_api_version": "V3" },
            "lds_config": { "ads": {}, "resource_api_version": "V3" }
          },
          "static_resources": {
            "clusters": [
              {
                "name": "xds-grpc",
                "type": "STATIC",
                "connect_timeout": "0.25s",
                "typed_extension_protocol_options": {
                  "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "explicit_http_config": { "http2_protocol_options": {} }
                  }
                },
                "load_assignment": {
                  "cluster_name": "xds-grpc",
                  "endpoints": [ { "lb_endpoints": [ { "endpoint": { "address": { "pipe": { "path": "./etc/istio/proxy/XDS" } } } } ] } ]
                }
              }
            ]
          }
        }
        """;

    [Fact]
    public void Parse_EnvoyStyleBootstrapJson_ReadsDurationsAndTypedOptions()
    {
        var parser = new JsonParser(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance));

        var bootstrap = parser.Parse<Envoy.Config.Bootstrap.V3.Bootstrap>(BootstrapJson);

        Assert.Equal("reviews.default", bootstrap.Node.Cluster);
        Assert.Equal("xds-grpc", bootstrap.DynamicResources.AdsConfig.GrpcServices[0].EnvoyGrpc.ClusterName);
        var cluster = Assert.Single(bootstrap.StaticResources.Clusters);
        Assert.Equal(Cluster.Types.DiscoveryType.Static, cluster.Type);
        Assert.Equal(new Duration { Seconds = 0, Nanos = 250_000_000 }, cluster.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), cluster.ConnectTimeout.ToTimeSpan());
        Assert.Equal("./etc/istio/proxy/XDS", cluster.LoadAssignment.Endpoints[0].LbEndpoints[0].Endpoint.Address.Pipe.Path);
        var options = cluster.TypedExtensionProtocolOptions["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].Unpack<HttpProtocolOptions>();
        Assert.NotNull(options.ExplicitHttpConfig.Http2ProtocolOptions);
    }
}
