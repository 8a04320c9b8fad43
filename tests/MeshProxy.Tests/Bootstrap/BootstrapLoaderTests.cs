using System.Net;
using MeshProxy.Core.Config;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Bootstrap;

public sealed class BootstrapLoaderTests
{
    [Theory]
    [InlineData(BootstrapFormat.Yaml)]
    [InlineData(BootstrapFormat.Json)]
    [InlineData(BootstrapFormat.Auto)]
    public void LoadText_ValidBootstrap_ProducesExpectedProxyConfig(BootstrapFormat format)
    {
        var text = format == BootstrapFormat.Yaml ? BootstrapSamples.Yaml : BootstrapSamples.Json;

        var loaded = BootstrapLoader.LoadText(text, format);
        var config = loaded.Config;

        Assert.Equal("sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local", config.Node.Id);
        Assert.Equal("web.shop", config.Node.Cluster);
        Assert.Equal("1.22.0", config.Node.Metadata["ISTIO_VERSION"]);
        Assert.Equal("web", config.Node.Metadata["LABELS.app"]);
        Assert.Equal("v1", config.Node.Metadata["LABELS.version"]);
        Assert.Equal("REDIRECT", config.Node.Metadata["INTERCEPTION_MODE"]);

        Assert.Equal(new SocketAddressConfig(IPAddress.Loopback, 15000), config.Admin?.Address);
        Assert.Equal("100", config.Runtime.Values["envoy.resource_limits.listener.ingress.connection_limit"]);
        Assert.Equal("5000", config.Runtime.Values["overload.global_downstream_max_connections"]);

        var listener = Assert.Single(config.Listeners);
        Assert.Equal("ingress", listener.Name);
        Assert.Equal(new SocketAddressConfig(IPAddress.Any, 10000), listener.Address);
        Assert.Equal(ListenerConfig.DefaultPerConnectionBufferLimitBytes, listener.PerConnectionBufferLimitBytes);
        Assert.Equal(100, listener.MaxConnections);
        var chain = Assert.Single(listener.FilterChains);
        var proxy = Assert.IsType<TcpProxyConfig>(Assert.Single(chain.Filters));
        Assert.Equal(new TcpProxyConfig(TcpProxyConfig.FilterName, "ingress_tcp", "backend", TimeSpan.FromSeconds(30)), proxy);

        var cluster = Assert.Single(config.Clusters);
        Assert.Equal("backend", cluster.Name);
        Assert.Equal(ClusterDiscoveryType.Static, cluster.DiscoveryType);
        Assert.Equal(TimeSpan.FromMilliseconds(250), cluster.ConnectTimeout);
        Assert.Equal(LbPolicy.RoundRobin, cluster.LbPolicy);
        Assert.Equal(32768u, cluster.PerConnectionBufferLimitBytes);
        Assert.Equal(
            new[]
            {
                new EndpointConfig(new SocketAddressConfig(IPAddress.Parse("127.0.0.3"), 8082), 1, EndpointHealth.Unknown, 0, "eu-west1/a")
                {
                    LocalityWeight = 2,
                },
                new EndpointConfig(new SocketAddressConfig(IPAddress.IPv6Loopback, 8080), 3, EndpointHealth.Healthy, 1, "eu-west1/b"),
                new EndpointConfig(new SocketAddressConfig(IPAddress.Parse("127.0.0.2"), 8081), 1, EndpointHealth.Unknown, 1, "eu-west1/b"),
            },
            cluster.Endpoints.ToArray());

        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void LoadText_JsonAndYamlOfSameBootstrap_ParseToEqualProtos()
    {
        var fromYaml = BootstrapLoader.Parse(BootstrapSamples.Yaml, BootstrapFormat.Yaml);
        var fromJson = BootstrapLoader.Parse(BootstrapSamples.Json, BootstrapFormat.Json);

        Assert.Equal(fromJson, fromYaml);
    }

    [Fact]
    public void LoadText_DefaultsOmitted_AppliesEnvoyDefaults()
    {
        var yaml = BootstrapSamples.Minimal.Replace("    connect_timeout: 1s\n", string.Empty, StringComparison.Ordinal);

        var config = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml).Config;

        var proxy = Assert.IsType<TcpProxyConfig>(config.Listeners[0].FilterChains[0].Filters[0]);
        Assert.Equal(TimeSpan.FromHours(1), proxy.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Clusters[0].ConnectTimeout);
        Assert.Equal(LbPolicy.RoundRobin, config.Clusters[0].LbPolicy);
        Assert.Equal(1u, config.Clusters[0].Endpoints[0].Weight);
        Assert.Null(config.Listeners[0].MaxConnections);
        Assert.Null(config.Admin);
        Assert.Same(NodeConfig.Anonymous, config.Node);
    }

    [Fact]
    public void LoadText_IdleTimeoutZero_DisablesIdleTimeout()
    {
        var yaml = BootstrapSamples.Minimal.Replace("cluster: c1\n", "cluster: c1\n          idle_timeout: 0s\n", StringComparison.Ordinal);

        var config = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml).Config;

        Assert.Null(Assert.IsType<TcpProxyConfig>(config.Listeners[0].FilterChains[0].Filters[0]).IdleTimeout);
    }

    [Fact]
    public void LoadText_Ipv6AnyListener_IsAccepted()
    {
        var yaml = BootstrapSamples.Minimal.Replace("address: 127.0.0.1, port_value: 10000", "address: \"::\", port_value: 10000", StringComparison.Ordinal);

        var config = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml).Config;

        Assert.Equal(IPAddress.IPv6Any, config.Listeners[0].Address.Address);
    }

    [Theory]
    [InlineData("70000", "70000 is not a valid port (0-65535)")]
    [InlineData("-1", "-1")]
    public void LoadText_BadListenerPort_NamesPortField(string port, string expected)
    {
        var yaml = BootstrapSamples.Minimal.Replace("port_value: 10000", $"port_value: {port}", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[0].address.socket_address.port_value", error.FieldPath);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_UnknownField_NamesFieldAndPath()
    {
        var yaml = BootstrapSamples.Minimal.Replace("  - name: l1\n", "  - name: l1\n    adress: {}\n", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[0].adress", error.FieldPath);
        Assert.Contains("unknown field 'adress'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_UnknownFieldInsideTypedConfig_NamesPathThroughAny()
    {
        var yaml = BootstrapSamples.Minimal.Replace("stat_prefix: l1", "stat_prefx: l1", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefx", error.FieldPath);
    }

    [Fact]
    public void LoadText_UnknownTypeUrl_NamesTypeUrl()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "example.Unknown", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.@type", error.FieldPath);
        Assert.Contains("type.googleapis.com/example.Unknown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_TcpProxyNamesMissingCluster_NamesFilterAndCluster()
    {
        var yaml = BootstrapSamples.Minimal.Replace("      cluster: c1", "      cluster: nowhere", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster", error.FieldPath);
        Assert.Contains("'nowhere'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_DuplicateListenerName_NamesBothIndices()
    {
        var yaml = TwoListeners("same", "same");

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[1].name", error.FieldPath);
        Assert.Contains("duplicate listener name 'same'", error.Message, StringComparison.Ordinal);
        Assert.Contains("static_resources.listeners[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_DuplicateClusterName_NamesBothIndices()
    {
        var yaml = BootstrapSamples.Minimal + """

              - name: c1
                connect_timeout: 1s
            """;

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.clusters[1].name", error.FieldPath);
        Assert.Contains("duplicate cluster name 'c1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("static_resources.clusters[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_BadYaml_ReportsLineNumber()
    {
        var yaml = "static_resources:\n  listeners:\n  - name: a\n   bad: indentation\n";

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal(string.Empty, error.FieldPath);
        Assert.Contains("invalid YAML at line 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_BadJson_ReportsLineNumber()
    {
        var json = "{\n  \"static_resources\": {\n    \"listeners\": [,]\n  }\n}";

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(json, BootstrapFormat.Json));

        Assert.Contains("invalid JSON at line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_BadDuration_NamesDurationField()
    {
        var yaml = BootstrapSamples.Minimal.Replace("connect_timeout: 1s", "connect_timeout: 5 seconds", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.clusters[0].connect_timeout", error.FieldPath);
        Assert.Contains("5 seconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_ZeroConnectTimeout_IsRejected()
    {
        var yaml = BootstrapSamples.Minimal.Replace("connect_timeout: 1s", "connect_timeout: 0s", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.clusters[0].connect_timeout", error.FieldPath);
    }

    [Fact]
    public void LoadText_ZeroEndpointWeight_NamesWeightField()
    {
        var yaml = BootstrapSamples.Minimal + "\n          load_balancing_weight: 0\n";

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight", error.FieldPath);
        Assert.Contains("0 is not a valid weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_StrictDnsCluster_KeepsHostNamesAsDnsTargets()
    {
        var yaml = BootstrapSamples.Minimal
            .Replace("connect_timeout: 1s", "connect_timeout: 1s\n    type: STRICT_DNS\n    dns_lookup_family: V4_ONLY", StringComparison.Ordinal)
            .Replace("address: 127.0.0.1, port_value: 9000", "address: backend.local, port_value: 9000", StringComparison.Ordinal);

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        var cluster = loaded.Config.Clusters[0];
        Assert.Equal(ClusterDiscoveryType.StrictDns, cluster.DiscoveryType);
        Assert.Equal(DnsLookupFamily.V4Only, cluster.DnsLookupFamily);
        Assert.Equal([new DnsTargetConfig("backend.local", 9000, 1, 0, string.Empty)], cluster.DnsTargets.ToArray());
        Assert.Empty(cluster.Endpoints);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void LoadText_OriginalDstWithRoundRobin_NamesLbPolicy()
    {
        var yaml = BootstrapSamples.Minimal.Replace("connect_timeout: 1s", "connect_timeout: 1s\n    type: ORIGINAL_DST", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal(
            [
                "static_resources.clusters[0].lb_policy: ORIGINAL_DST clusters need lb_policy CLUSTER_PROVIDED, not ROUND_ROBIN",
                "static_resources.clusters[0].load_assignment: ORIGINAL_DST clusters take their host from each connection; load_assignment must be empty",
            ],
            error.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void LoadText_EdsClusterWithoutAdsConfig_NamesEdsConfig()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "connect_timeout: 1s", "connect_timeout: 1s\n    type: EDS\n    eds_cluster_config: {eds_config: {ads: {}}}", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        var only = Assert.Single(error.Errors);
        Assert.Equal("static_resources.clusters[0].eds_cluster_config.eds_config", only.FieldPath);
        Assert.Equal("an EDS cluster needs an ADS stream, but dynamic_resources.ads_config is not set", only.Message);
    }

    [Fact]
    public void LoadText_EdsClusterWithAdsConfig_SubscribesByServiceName()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "connect_timeout: 1s",
            "connect_timeout: 1s\n    type: EDS\n    eds_cluster_config: {service_name: svc, eds_config: {ads: {}, initial_fetch_timeout: 0s}}",
            StringComparison.Ordinal) + "\ndynamic_resources:\n  ads_config: {api_type: GRPC, grpc_services: [{google_grpc: {target_uri: 127.0.0.1:15010, stat_prefix: ads}}]}\n";

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        var cluster = loaded.Config.Clusters[0];
        Assert.Equal(ClusterDiscoveryType.Eds, cluster.DiscoveryType);
        Assert.Equal("svc", cluster.EdsServiceName);
        Assert.Equal(TimeSpan.Zero, cluster.EdsInitialFetchTimeout);
        Assert.Empty(cluster.Endpoints);
        Assert.Contains(loaded.Warnings, w => w.FieldPath == "static_resources.clusters[0].load_assignment");
    }

    [Fact]
    public void LoadText_HostnameInStaticCluster_NamesAddressField()
    {
        var yaml = BootstrapSamples.Minimal.Replace("address: 127.0.0.1, port_value: 9000", "address: backend.local, port_value: 9000", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal(
            "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address",
            error.FieldPath);
    }

    [Theory]
    [InlineData("named_port: http", "named_port", "not supported")]
    [InlineData("port_value: 1, protocol: UDP", "protocol", "UDP is not supported")]
    [InlineData("port_value: 1, resolver_name: dns", "resolver_name", "not supported")]
    public void LoadText_UnsupportedListenerAddress_NamesField(string replacement, string field, string expected)
    {
        var yaml = BootstrapSamples.Minimal.Replace("port_value: 10000", replacement, StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal($"static_resources.listeners[0].address.socket_address.{field}", error.FieldPath);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_WeightedClusters_IsNotSupportedYet()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "      cluster: c1", "      weighted_clusters: {clusters: [{name: c1, weight: 1}]}", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.weighted_clusters", error.FieldPath);
    }

    [Fact]
    public void LoadText_UnknownNetworkFilter_NamesFilter()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "\"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
            "\"@type\": type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC",
            StringComparison.Ordinal).Replace("\n          cluster: c1", string.Empty, StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal("static_resources.listeners[0].filter_chains[0].filters[0]", error.FieldPath);
        Assert.Contains("unsupported network filter 'envoy.filters.network.tcp_proxy'", error.Message, StringComparison.Ordinal);
        Assert.Contains("envoy.extensions.filters.network.rbac.v3.RBAC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_SeveralErrors_ReportsAllInDocumentOrder()
    {
        var yaml = BootstrapSamples.Minimal
            .Replace("port_value: 10000", "port_value: 70000", StringComparison.Ordinal)
            .Replace("connect_timeout: 1s", "connect_timeout: 1s\n    type: EDS", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml));

        Assert.Equal(
            ["static_resources.listeners[0].address.socket_address.port_value", "static_resources.clusters[0].eds_cluster_config"],
            error.Errors.Select(e => e.FieldPath));
    }

    [Fact]
    public void LoadText_UnsupportedSectionsPresent_WarnsOncePerSection()
    {
        var yaml = BootstrapSamples.Minimal + """

            stats_sinks:
            - name: envoy.stat_sinks.statsd
            tracing:
              http: {name: envoy.tracers.zipkin}
            overload_manager:
              refresh_interval: 1s
            cluster_manager:
              local_cluster_name: c1
            """;

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.Equal(
            [
                "cluster_manager: not supported yet; ignored",
                "overload_manager: not supported yet; ignored",
                "stats_sinks: not supported yet; ignored",
                "tracing: not supported yet; ignored",
            ],
            loaded.Warnings.Select(w => w.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LoadText_FilterChainMatch_IsConverted()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "    - filters:\n", "    - filter_chain_match: {destination_port: 10000, server_names: [Example.COM]}\n      filters:\n", StringComparison.Ordinal);

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.Empty(loaded.Warnings);
        var match = Assert.Single(loaded.Config.Listeners[0].FilterChains).Match;
        Assert.Equal(10000, match.DestinationPort);
        Assert.Equal(["example.com"], match.ServerNames.ToArray());
    }

    [Fact]
    public void LoadText_MaglevPolicyWithTableSize_KeptWithoutWarning()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "connect_timeout: 1s", "connect_timeout: 1s\n    lb_policy: MAGLEV\n    maglev_lb_config: {table_size: 251}", StringComparison.Ordinal);

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.Equal(LbPolicy.Maglev, loaded.Config.Clusters[0].LbPolicy);
        Assert.Equal(251ul, loaded.Config.Clusters[0].MaglevTableSize);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void LoadText_TlsTransportSocketOnCluster_KeepsClusterRequiringTls()
    {
        var yaml = BootstrapSamples.Minimal.Replace(
            "connect_timeout: 1s",
            "connect_timeout: 1s\n    transport_socket: {name: tls, typed_config: {\"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext}}",
            StringComparison.Ordinal);

        var loaded = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);

        Assert.True(loaded.Config.Clusters[0].RequiresTls);
        var warning = Assert.Single(loaded.Warnings);
        Assert.Equal("static_resources.clusters[0].transport_socket", warning.FieldPath);
        Assert.Contains("never sent in plaintext", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_MissingFile_ThrowsConfigException()
    {
        var error = Assert.Throws<ConfigException>(() => BootstrapLoader.LoadFile("/nonexistent/bootstrap.yaml"));

        Assert.Contains("/nonexistent/bootstrap.yaml", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.json", BootstrapFormat.Json)]
    [InlineData("a.YAML", BootstrapFormat.Yaml)]
    [InlineData("a.yml", BootstrapFormat.Yaml)]
    [InlineData("bootstrap", BootstrapFormat.Auto)]
    public void FormatFromPath_Extension_PicksFormat(string path, BootstrapFormat expected) =>
        Assert.Equal(expected, BootstrapLoader.FormatFromPath(path));

    private static string TwoListeners(string first, string second)
    {
        var listener = BootstrapSamples.Minimal.Split("  clusters:\n")[0].Split("  listeners:\n")[1];
        var clusters = "  clusters:\n" + BootstrapSamples.Minimal.Split("  clusters:\n")[1];
        return "static_resources:\n  listeners:\n"
            + listener.Replace("name: l1", $"name: {first}", StringComparison.Ordinal)
            + listener.Replace("name: l1", $"name: {second}", StringComparison.Ordinal).Replace("10000", "10001", StringComparison.Ordinal)
            + clusters;
    }
}
