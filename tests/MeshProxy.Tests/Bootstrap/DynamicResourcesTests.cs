using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Bootstrap;

public class DynamicResourcesTests
{
    // The shape pilot-agent renders: ADS over an Envoy gRPC cluster on a Unix socket, LDS/CDS over ADS with 0s timeouts.
    private const string PilotAgentStyle = """
        node:
          id: sidecar~10.1.2.3~reviews-v1-abc.default~default.svc.cluster.local
          cluster: reviews.default
        dynamic_resources:
          lds_config: {ads: {}, initial_fetch_timeout: 0s, resource_api_version: V3}
          cds_config: {ads: {}, initial_fetch_timeout: 0s, resource_api_version: V3}
          ads_config:
            api_type: DELTA_GRPC
            transport_api_version: V3
            set_node_on_first_message_only: true
            grpc_services:
            - envoy_grpc: {cluster_name: xds-grpc}
        static_resources:
          clusters:
          - name: xds-grpc
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: xds-grpc
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address:
                      pipe: {path: ./etc/istio/proxy/XDS}
        """;

    [Fact]
    public void LoadText_PilotAgentBootstrap_ReadsAdsOverUnixSocketAndSkipsTheXdsCluster()
    {
        var loaded = BootstrapLoader.LoadText(PilotAgentStyle, BootstrapFormat.Yaml);

        Assert.Equal(new AdsServerConfig("unix:./etc/istio/proxy/XDS", Delta: true, null, null, null), loaded.Dynamic.Ads);
        Assert.Equal(new AdsConfigSource { InitialFetchTimeout = TimeSpan.Zero }, loaded.Dynamic.Lds);
        Assert.Equal(new AdsConfigSource { InitialFetchTimeout = TimeSpan.Zero }, loaded.Dynamic.Cds);
        Assert.Empty(loaded.Config.Clusters);
        Assert.Equal(64 * 1024 * 1024, loaded.Dynamic.Ads!.MaxReceiveMessageBytes);
    }

    [Fact]
    public void LoadText_GoogleGrpcWithRootCerts_IsTlsWithThatCa()
    {
        var yaml = """
            dynamic_resources:
              cds_config: {ads: {}}
              ads_config:
                api_type: GRPC
                grpc_services:
                - google_grpc:
                    target_uri: istiod.istio-system.svc:15012
                    stat_prefix: xds
                    channel_credentials: {ssl_credentials: {root_certs: {filename: /etc/certs/root.pem}}}
            """;

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.Equal(new AdsServerConfig("https://istiod.istio-system.svc:15012", Delta: false, "/etc/certs/root.pem", null, null), loaded.Dynamic.Ads);
        Assert.Equal(ConfigSourceSpec.DefaultInitialFetchTimeout, loaded.Dynamic.Cds!.InitialFetchTimeout);
        Assert.Null(loaded.Dynamic.Lds);
    }

    [Fact]
    public void LoadText_EnvoyGrpcClusterWithUpstreamTls_UsesCaAndClientCertificate()
    {
        var yaml = """
            dynamic_resources:
              lds_config: {ads: {}}
              ads_config:
                api_type: GRPC
                grpc_services: [{envoy_grpc: {cluster_name: xds}}]
            static_resources:
              clusters:
              - name: xds
                load_assignment:
                  cluster_name: xds
                  endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 15012}}}}]}]
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    common_tls_context:
                      validation_context: {trusted_ca: {filename: ca.pem}}
                      tls_certificates: [{certificate_chain: {filename: cert.pem}, private_key: {filename: key.pem}}]
            """;

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.Equal(new AdsServerConfig("https://127.0.0.1:15012", Delta: false, "ca.pem", "cert.pem", "key.pem"), loaded.Dynamic.Ads);
    }

    [Fact]
    public void LoadText_PathConfigSources_AreFileSourcesWithoutAds()
    {
        var yaml = """
            dynamic_resources:
              lds_config: {path_config_source: {path: /etc/meshproxy/lds.yaml, watched_directory: {path: /etc/meshproxy}}}
              cds_config: {path_config_source: {path: /etc/meshproxy/cds.yaml}}
            """;

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.Null(loaded.Dynamic.Ads);
        Assert.Equal(new PathConfigSource("/etc/meshproxy/lds.yaml", "/etc/meshproxy"), loaded.Dynamic.Lds);
        Assert.Equal(new PathConfigSource("/etc/meshproxy/cds.yaml", null), loaded.Dynamic.Cds);
        Assert.True(loaded.Dynamic.IsDynamic);
    }

    [Fact]
    public void LoadText_DynamicCds_AllowsTcpProxyToReferenceAClusterNotYetKnown()
    {
        var yaml = """
            dynamic_resources:
              cds_config: {path_config_source: {path: cds.yaml}}
            static_resources:
              listeners:
              - name: l
                address: {socket_address: {address: 127.0.0.1, port_value: 10000}}
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: t
                      cluster: from_cds
            """;

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.Single(loaded.Config.Listeners);
    }

    [Theory]
    [InlineData(
        "dynamic_resources: {lds_config: {ads: {}}}",
        "dynamic_resources.ads_config: lds_config or cds_config uses 'ads: {}' but no ads_config is given")]
    [InlineData(
        "dynamic_resources: {cds_config: {api_config_source: {api_type: GRPC}}}",
        "dynamic_resources.cds_config.api_config_source: a separate (non-aggregated) xDS server per type is not supported; use 'ads: {}' with dynamic_resources.ads_config")]
    [InlineData(
        "dynamic_resources: {cds_config: {ads: {}}, ads_config: {api_type: REST, grpc_services: [{google_grpc: {target_uri: 'x:1', stat_prefix: s}}]}}",
        "dynamic_resources.ads_config.api_type: api_type REST is not supported for ADS; use GRPC or DELTA_GRPC")]
    [InlineData(
        "dynamic_resources: {cds_config: {ads: {}}, ads_config: {api_type: GRPC}}",
        "dynamic_resources.ads_config.grpc_services: one gRPC service (the ADS server) is required")]
    [InlineData(
        "dynamic_resources: {cds_config: {ads: {}}, ads_config: {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: missing}}]}}",
        "dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name: cluster 'missing' is not defined in static_resources.clusters")]
    [InlineData(
        "dynamic_resources: {cds_config: {ads: {}}, ads_config: {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: x}}]}}\n"
        + "static_resources: {clusters: [{name: x, load_assignment: {cluster_name: x, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}}]}]},"
        + " transport_socket: {name: raw, typed_config: {'@type': type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer}}}]}",
        "static_resources.clusters[name=x].transport_socket.typed_config: transport socket type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer is not supported for the xDS server; use UpstreamTlsContext")]
    [InlineData(
        "dynamic_resources: {lds_config: {path_config_source: {path: ''}}}",
        "dynamic_resources.lds_config.path_config_source.path: a path is required")]
    public void LoadText_BadDynamicResources_NamesTheField(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal(expected, error.Errors[0].ToString());
    }

    [Fact]
    public void LoadText_EnvoyGrpcLimitAndBackOff_ReachTheAdsSettings()
    {
        var yaml = PilotAgentStyle.Replace(
            "- envoy_grpc: {cluster_name: xds-grpc}",
            "- envoy_grpc: {cluster_name: xds-grpc, max_receive_message_length: 268435456, retry_policy: {retry_back_off: {base_interval: 0.2s}}}",
            StringComparison.Ordinal);

        var ads = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml).Dynamic.Ads!;

        Assert.Equal(256 * 1024 * 1024, ads.MaxReceiveMessageBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(200), ads.BackoffBase);
        Assert.Equal(TimeSpan.FromSeconds(2), ads.BackoffMax);
    }

    [Fact]
    public void LoadText_EnvoyGrpcZeroLimit_IsUnlimited()
    {
        var yaml = PilotAgentStyle.Replace(
            "- envoy_grpc: {cluster_name: xds-grpc}", "- envoy_grpc: {cluster_name: xds-grpc, max_receive_message_length: 0}", StringComparison.Ordinal);

        Assert.Equal(int.MaxValue, BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml).Dynamic.Ads!.MaxReceiveMessageBytes);
    }
}
