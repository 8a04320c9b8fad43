using System.Net;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using MeshProxy.Core.Config;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Conversion;

public sealed class ClusterConverterTests
{
    private static ClusterConfig? Convert(string json, ConversionContext context) =>
        ClusterConverter.Convert(ProtoJson.Parse<Cluster>(json), "clusters[0]", context);

    [Fact]
    public void Convert_EdsCluster_SubscribesOverAds()
    {
        var context = new ConversionContext();

        var cluster = Convert("""
            {"name": "outbound|80||a.b.svc.cluster.local", "type": "EDS", "eds_cluster_config": {"eds_config": {"ads": {}, "initial_fetch_timeout": "3s"}},
             "circuit_breakers": {"thresholds": [{"max_connections": 10}, {"priority": "HIGH", "max_requests": 7}]},
             "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
               "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions", "explicit_http_config": {"http2_protocol_options": {}}}}}
            """, context)!;

        Assert.Empty(context.Warnings);
        Assert.Equal(ClusterDiscoveryType.Eds, cluster.DiscoveryType);
        Assert.Equal("outbound|80||a.b.svc.cluster.local", cluster.EdsServiceName);
        Assert.Equal(TimeSpan.FromSeconds(3), cluster.EdsInitialFetchTimeout);
        Assert.Equal(new CircuitBreakerThresholds(10, 1024, 1024, 3), cluster.CircuitBreakers.DefaultPriority);
        Assert.Equal(new CircuitBreakerThresholds(1024, 1024, 7, 3), cluster.CircuitBreakers.HighPriority);
        Assert.Equal(UpstreamHttpProtocol.Http2, cluster.UpstreamProtocol);
    }

    [Fact]
    public void Convert_EdsFromNonAdsSource_NamesEdsConfig()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "c", "type": "EDS", "eds_cluster_config": {"service_name": "s", "eds_config": {"path_config_source": {"path": "/e"}}}}""", context));

        Assert.Equal(
            ["clusters[0].eds_cluster_config.eds_config: config source path_config_source is not supported; MeshProxy receives everything on its ADS stream (ads: {})"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_StrictDnsCluster_KeepsTargetsAndDnsSettings()
    {
        var context = new ConversionContext();

        var cluster = Convert("""
            {"name": "zipkin", "type": "STRICT_DNS", "dns_refresh_rate": "30s", "dns_lookup_family": "V4_PREFERRED", "lb_policy": "RANDOM",
             "http2_protocol_options": {},
             "load_assignment": {"cluster_name": "zipkin", "endpoints": [{"lb_endpoints": [
               {"endpoint": {"address": {"socket_address": {"address": "zipkin.istio-system", "port_value": 9411}}}, "load_balancing_weight": 2},
               {"endpoint": {"address": {"socket_address": {"address": "10.0.0.9", "port_value": 9411}}}}]}]}}
            """, context)!;

        Assert.Equal(ClusterDiscoveryType.StrictDns, cluster.DiscoveryType);
        Assert.Equal(
            [new DnsTargetConfig("zipkin.istio-system", 9411, 2, 0, string.Empty), new DnsTargetConfig("10.0.0.9", 9411, 1, 0, string.Empty)],
            cluster.DnsTargets.AsEnumerable());
        Assert.Equal(TimeSpan.FromSeconds(30), cluster.DnsRefreshRate);
        Assert.Equal(DnsLookupFamily.V4Preferred, cluster.DnsLookupFamily);
        Assert.Equal(UpstreamHttpProtocol.Http2, cluster.UpstreamProtocol);
        Assert.Equal(LbPolicy.Random, cluster.LbPolicy);
        Assert.Empty(context.Warnings);
    }

    [Fact]
    public void Convert_LogicalDnsWithTwoHosts_IsAnError()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""
            {"name": "c", "type": "LOGICAL_DNS", "load_assignment": {"endpoints": [{"lb_endpoints": [
              {"endpoint": {"address": {"socket_address": {"address": "a", "port_value": 1}}}},
              {"endpoint": {"address": {"socket_address": {"address": "b", "port_value": 1}}}}]}]}}
            """, context));

        Assert.Equal(["clusters[0].load_assignment: LOGICAL_DNS clusters resolve exactly one host"], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_OriginalDstCluster_KeepsCleanupInterval()
    {
        var context = new ConversionContext();

        var cluster = Convert("""{"name": "PassthroughCluster", "type": "ORIGINAL_DST", "lb_policy": "CLUSTER_PROVIDED", "cleanup_interval": "60s", "original_dst_lb_config": {"use_http_header": true}}""", context)!;

        Assert.Equal(ClusterDiscoveryType.OriginalDst, cluster.DiscoveryType);
        Assert.Equal(LbPolicy.ClusterProvided, cluster.LbPolicy);
        Assert.Equal(TimeSpan.FromSeconds(60), cluster.OriginalDstCleanupInterval);
        Assert.Equal(["clusters[0].original_dst_lb_config: not supported yet; ignored"], ProtoJson.Lines(context.Warnings));
    }

    [Fact]
    public void Convert_ClusterProvidedOnStatic_IsAnError()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "c", "lb_policy": "CLUSTER_PROVIDED"}""", context));

        Assert.Equal(["clusters[0].lb_policy: CLUSTER_PROVIDED is only valid for ORIGINAL_DST clusters"], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_TransportSocketMatchesWithoutPlaintext_RequiresTls()
    {
        var context = new ConversionContext();

        var cluster = Convert("""
            {"name": "c", "type": "EDS", "eds_cluster_config": {"eds_config": {"ads": {}}},
             "transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"}},
             "transport_socket_matches": [{"name": "tlsMode-istio", "match": {"tlsMode": "istio"}, "transport_socket": {"name": "envoy.transport_sockets.tls",
               "typed_config": {"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"}}}]}
            """, context)!;

        Assert.True(cluster.RequiresTls);
        Assert.Equal(
            ["clusters[0].transport_socket_matches: TLS origination is not supported yet and no match is plaintext: connections to this cluster fail"],
            ProtoJson.Lines(context.Warnings));
    }

    [Fact]
    public void Convert_UnknownUpstreamFilter_IsAnError()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "c", "filters": [{"name": "acme", "typed_config": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}]}""", context));

        Assert.Equal(["clusters[0].filters[0]: unsupported upstream network filter 'acme' (type.googleapis.com/google.protobuf.Empty)"], ProtoJson.Lines(context.Errors));
    }
}

public sealed class ClusterLoadAssignmentConverterTests
{
    private static EndpointSetConfig? Convert(string json, ConversionContext context) =>
        ClusterLoadAssignmentConverter.Convert(ProtoJson.Parse<ClusterLoadAssignment>(json), "resources[0]", context);

    [Fact]
    public void Convert_PrioritiesLocalitiesAndHealth_AreKept()
    {
        var context = new ConversionContext();

        var set = Convert("""
            {"cluster_name": "svc", "policy": {"overprovisioning_factor": 200}, "endpoints": [
              {"locality": {"region": "r", "zone": "z1", "sub_zone": "s"}, "load_balancing_weight": 3, "priority": 1,
               "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 80}}}, "health_status": "UNHEALTHY", "load_balancing_weight": 5}]},
              {"locality": {"region": "r", "zone": "z2"},
               "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}, "health_status": "DEGRADED"}]}]}
            """, context)!;

        Assert.Empty(context.Warnings);
        Assert.Equal("svc", set.ClusterName);
        Assert.Equal(200u, set.OverprovisioningFactor);
        Assert.Equal(
            [
                new EndpointConfig(new SocketAddressConfig(IPAddress.Parse("10.0.0.2"), 80), 5, EndpointHealth.Unhealthy, 1, "r/z1/s") { LocalityWeight = 3 },
                new EndpointConfig(new SocketAddressConfig(IPAddress.Parse("10.0.0.1"), 80), 1, EndpointHealth.Degraded, 0, "r/z2"),
            ],
            set.Endpoints.AsEnumerable());
    }

    [Fact]
    public void Convert_PriorityGap_AcceptedWithWarningNamingPriority()
    {
        var context = new ConversionContext();

        Assert.NotNull(Convert("""
            {"cluster_name": "svc", "endpoints": [
              {"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}}]},
              {"priority": 2, "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "10.0.0.2", "port_value": 80}}}}]}]}
            """, context));

        Assert.Equal(
            ["resources[0].endpoints[1].priority: priority 2 leaves a gap: no locality has priority 1; the empty levels take no traffic"],
            ProtoJson.Lines(context.Warnings));
    }

    [Theory]
    [InlineData("""{"endpoint": {}}""", "resources[0].endpoints[0].lb_endpoints[0].endpoint.address: an address is required")]
    [InlineData("""{"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}, "load_balancing_weight": 0}""", "resources[0].endpoints[0].lb_endpoints[0].load_balancing_weight: 0 is not a valid weight (1 or more)")]
    public void Convert_BadEndpoint_NamesField(string endpoint, string expected)
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"cluster_name": "svc", "endpoints": [{"lb_endpoints": [ENDPOINT]}]}""".Replace("ENDPOINT", endpoint, StringComparison.Ordinal), context));

        Assert.Equal([expected], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_DuplicateEndpoints_AreKept()
    {
        var context = new ConversionContext();
        const string Host = """{"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}}""";

        var set = Convert("""{"cluster_name": "svc", "endpoints": [{"lb_endpoints": [HOST, HOST]}]}""".Replace("HOST", Host, StringComparison.Ordinal), context)!;

        Assert.Equal(2, set.Endpoints.Length);
    }
}
