using System.Net;
using Envoy.Config.Listener.V3;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Conversion;

public sealed class ListenerConverterTests
{
    private const string TcpChain = """
        {"filters": [{"name": "tcp", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "stat_prefix": "s", "cluster": "c"}}]}
        """;

    private static ListenerConfig? Convert(string json, ConversionContext context) =>
        ListenerConverter.Convert(ProtoJson.Parse<Listener>(json), "listeners[0]", RuntimeConfig.Empty, context);

    private static string Listener(string chains, string extra = "") =>
        """{"name": "l", "address": {"socket_address": {"address": "0.0.0.0", "port_value": 15006}}, "filter_chains": ["""
        + chains + "] " + extra + "}";

    [Fact]
    public void Convert_Port70000_NamesPortField()
    {
        var context = new ConversionContext();

        Assert.Null(Convert(Listener(TcpChain).Replace("15006", "70000", StringComparison.Ordinal), context));

        Assert.Equal(["listeners[0].address.socket_address.port_value: 70000 is not a valid port (0-65535)"], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_FilterChainMatch_ConvertsEveryCriterion()
    {
        var chain = TcpChain.Replace("{\"filters\"", """
            {"filter_chain_match": {"destination_port": 8080, "prefix_ranges": [{"address_prefix": "10.1.2.3", "prefix_len": 16}],
              "direct_source_prefix_ranges": [{"address_prefix": "::1", "prefix_len": 128}], "source_type": "SAME_IP_OR_LOOPBACK",
              "source_prefix_ranges": [{"address_prefix": "192.168.0.0", "prefix_len": 24}], "source_ports": [1234],
              "server_names": ["WWW.Example.com", "*.example.org"], "transport_protocol": "tls", "application_protocols": ["h2", "http/1.1"]},
             "filters"
            """, StringComparison.Ordinal);
        var context = new ConversionContext();

        var match = Convert(Listener(chain), context)!.FilterChains[0].Match;

        Assert.Empty(context.Warnings);
        Assert.Equal(8080, match.DestinationPort);
        Assert.Equal("10.1.0.0/16", Assert.Single(match.PrefixRanges).ToString());
        Assert.Equal("::1/128", Assert.Single(match.DirectSourcePrefixRanges).ToString());
        Assert.Equal(ConnectionSourceType.SameIpOrLoopback, match.SourceType);
        Assert.True(Assert.Single(match.SourcePrefixRanges).Contains(IPAddress.Parse("192.168.0.77")));
        Assert.Equal([1234], match.SourcePorts.AsEnumerable());
        Assert.Equal(["www.example.com", "*.example.org"], match.ServerNames.AsEnumerable());
        Assert.Equal("tls", match.TransportProtocol);
        Assert.Equal(["h2", "http/1.1"], match.ApplicationProtocols.AsEnumerable());
    }

    [Fact]
    public void Convert_InvalidCidr_NamesAddressPrefix()
    {
        var chain = TcpChain.Replace("{\"filters\"", """{"filter_chain_match": {"prefix_ranges": [{"address_prefix": "10.0.0", "prefix_len": 8}]}, "filters" """, StringComparison.Ordinal);
        var context = new ConversionContext();

        Assert.Null(Convert(Listener(chain), context));

        Assert.Equal(
            ["listeners[0].filter_chains[0].filter_chain_match.prefix_ranges[0].address_prefix: '10.0.0' is not an IPv4 or IPv6 address"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_TwoChainsWithSameMatch_IsRejected()
    {
        var chain = TcpChain.Replace("{\"filters\"", """{"filter_chain_match": {"destination_port": 80, "application_protocols": ["h2c", "http/1.1"]}, "filters" """, StringComparison.Ordinal);
        var reordered = chain.Replace("\"h2c\", \"http/1.1\"", "\"http/1.1\", \"h2c\"", StringComparison.Ordinal);
        var context = new ConversionContext();

        Assert.Null(Convert(Listener(chain + "," + reordered), context));

        Assert.Equal(
            ["listeners[0].filter_chains[1].filter_chain_match: same match as listeners[0].filter_chains[0]: a connection could not choose between them"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_TlsChain_IsKeptRequiringTlsWithOneWarning()
    {
        var chain = TcpChain.Replace("{\"filters\"", """
            {"transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext", "require_client_certificate": true}},
             "filters"
            """, StringComparison.Ordinal);
        var context = new ConversionContext();

        var listener = Convert(Listener(chain + "," + TcpChain.Replace("{\"filters\"", "{\"filter_chain_match\": {\"destination_port\": 1}, \"filters\"", StringComparison.Ordinal)), context)!;

        Assert.True(listener.FilterChains[0].RequiresTls);
        Assert.False(listener.FilterChains[1].RequiresTls);
        Assert.Equal(
            ["listeners[0].filter_chains[0].transport_socket: TLS is not supported yet: this chain is kept, but connections it matches are closed (never served in plaintext)"],
            ProtoJson.Lines(context.Warnings));
    }

    [Fact]
    public void Convert_ListenerLevelFields_AreConverted()
    {
        var json = Listener(TcpChain, """
            , "bind_to_port": false, "use_original_dst": true, "drain_type": "MODIFY_ONLY", "listener_filters_timeout": "2s",
              "continue_on_listener_filters_timeout": true, "default_filter_chain": {"name": "fallback", "filters": [{"name": "tcp", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", "stat_prefix": "p", "cluster": "PassthroughCluster"}}]},
              "listener_filters": [
                {"name": "envoy.filters.listener.original_dst", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst"}},
                {"name": "envoy.filters.listener.http_inspector", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector"},
                 "filter_disabled": {"destination_port_range": {"start": 3306, "end": 3307}}}]
            """);
        var context = new ConversionContext();

        var listener = Convert(json, context)!;

        Assert.Empty(context.Warnings);
        Assert.False(listener.BindToPort);
        Assert.True(listener.UseOriginalDst);
        Assert.Equal(ListenerDrainType.ModifyOnly, listener.DrainType);
        Assert.Equal(TimeSpan.FromSeconds(2), listener.ListenerFiltersTimeout);
        Assert.True(listener.ContinueOnListenerFiltersTimeout);
        Assert.Equal("fallback", listener.DefaultFilterChain!.Name);
        Assert.Equal([ListenerFilterKind.OriginalDst, ListenerFilterKind.HttpInspector], listener.ListenerFilters.Select(f => f.Kind));
        Assert.Equal([new PortRange(3306, 3307)], listener.ListenerFilters[1].DisabledForDestinationPorts.AsEnumerable());
    }

    [Fact]
    public void Convert_FilterDisabledWithOtherPredicate_WarnsAndRunsFilter()
    {
        var json = Listener(TcpChain, """
            , "listener_filters": [{"name": "tls", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"},
                 "filter_disabled": {"not_match": {"destination_port_range": {"start": 1, "end": 2}}}}]
            """);
        var context = new ConversionContext();

        var listener = Convert(json, context)!;

        Assert.Empty(listener.ListenerFilters[0].DisabledForDestinationPorts);
        Assert.Equal(
            ["listeners[0].listener_filters[0].filter_disabled: only destination_port_range, an or_match of them, or any_match is supported; the filter runs on every connection"],
            ProtoJson.Lines(context.Warnings));
    }

    [Fact]
    public void Convert_UnknownListenerFilter_IsAnError()
    {
        var json = Listener(TcpChain, """, "listener_filters": [{"name": "envoy.filters.listener.proxy_protocol", "typed_config": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}]""");
        var context = new ConversionContext();

        Assert.Null(Convert(json, context));

        Assert.Equal(
            ["listeners[0].listener_filters[0]: unsupported listener filter 'envoy.filters.listener.proxy_protocol' (type.googleapis.com/google.protobuf.Empty); supported: original_dst, tls_inspector, http_inspector"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_NetworkRbac_IsAnError()
    {
        var chain = TcpChain.Replace("[{\"name\": \"tcp\"", """[{"name": "envoy.filters.network.rbac", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC", "stat_prefix": "r"}}, {"name": "tcp" """, StringComparison.Ordinal);
        var context = new ConversionContext();

        Assert.Null(Convert(Listener(chain), context));

        Assert.Equal(
            ["listeners[0].filter_chains[0].filters[0]: unsupported network filter 'envoy.filters.network.rbac' (type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC): MeshProxy cannot run it, and dropping it would change what the listener lets through"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_HttpConnectionManager_ConvertsSettingsAndRds()
    {
        var chain = """
            {"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
              "stat_prefix": "outbound_0.0.0.0_80", "codec_type": "HTTP1",
              "rds": {"route_config_name": "80", "config_source": {"ads": {}}},
              "use_remote_address": true, "xff_num_trusted_hops": 2, "server_name": "mesh", "generate_request_id": false,
              "stream_idle_timeout": "30s", "request_timeout": "10s", "drain_timeout": "1s", "max_request_headers_kb": 96,
              "common_http_protocol_options": {"idle_timeout": "0s", "max_requests_per_connection": 100, "max_headers_count": 50},
              "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router", "suppress_envoy_headers": true}}]}}]}
            """;
        var context = new ConversionContext();

        var hcm = Assert.IsType<HttpConnectionManagerConfig>(Convert(Listener(chain), context)!.FilterChains[0].Filters[0]);

        Assert.Empty(context.Warnings);
        Assert.Equal(HttpCodecType.Http1, hcm.CodecType);
        Assert.Equal("80", hcm.RdsRouteConfigName);
        Assert.Null(hcm.RdsInitialFetchTimeout);
        Assert.True(hcm.UseRemoteAddress);
        Assert.Equal(2u, hcm.XffNumTrustedHops);
        Assert.Equal("mesh", hcm.ServerName);
        Assert.False(hcm.GenerateRequestId);
        Assert.Equal(TimeSpan.FromSeconds(30), hcm.StreamIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), hcm.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(1), hcm.DrainTimeout);
        Assert.Equal(96u, hcm.MaxRequestHeadersKb);
        Assert.Null(hcm.IdleTimeout);
        Assert.Equal(100u, hcm.MaxRequestsPerConnection);
        Assert.Equal(50u, hcm.MaxHeadersCount);
        Assert.True(Assert.IsType<RouterFilterConfig>(Assert.Single(hcm.HttpFilters)).SuppressEnvoyHeaders);
    }
}
