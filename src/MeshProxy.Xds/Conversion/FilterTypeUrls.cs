namespace MeshProxy.Xds.Conversion;

/// <summary>Type URLs (and Istio's well-known names) the filter policy recognises. See the README's "Filter policy".</summary>
internal static class FilterTypeUrls
{
    private const string Prefix = "type.googleapis.com/";

    // Network filters.
    public const string TcpProxy = EnvoyTypes.TcpProxyTypeUrl;
    public const string HttpConnectionManager = Prefix + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    public const string NetworkRbac = Prefix + "envoy.extensions.filters.network.rbac.v3.RBAC";
    public const string NetworkExtAuthz = Prefix + "envoy.extensions.filters.network.ext_authz.v3.ExtAuthz";
    public const string NetworkLocalRateLimit = Prefix + "envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit";
    public const string NetworkRateLimit = Prefix + "envoy.extensions.filters.network.ratelimit.v3.RateLimit";
    public const string NetworkWasm = Prefix + "envoy.extensions.filters.network.wasm.v3.Wasm";

    /// <summary>Istio's TCP metadata exchange (network and upstream cluster filter).</summary>
    public const string TcpMetadataExchange = Prefix + "envoy.tcp.metadataexchange.config.MetadataExchange";

    /// <summary>Istio's native stats filter (HTTP and network), istio-proxy's <c>istio_stats</c>.</summary>
    public const string IstioStats = Prefix + "stats.PluginConfig";

    // HTTP filters.
    public const string Router = Prefix + "envoy.extensions.filters.http.router.v3.Router";
    public const string PeerMetadata = Prefix + "io.istio.http.peer_metadata.Config";
    public const string HttpMetadataExchange = Prefix + "io.istio.http.metadata_exchange.Config";
    public const string IstioAlpn = Prefix + "istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig";
    public const string GrpcStats = Prefix + "envoy.extensions.filters.http.grpc_stats.v3.FilterConfig";
    public const string Cors = Prefix + "envoy.extensions.filters.http.cors.v3.Cors";
    public const string CorsPolicy = Prefix + "envoy.extensions.filters.http.cors.v3.CorsPolicy";
    public const string Fault = Prefix + "envoy.extensions.filters.http.fault.v3.HTTPFault";
    public const string Wasm = Prefix + "envoy.extensions.filters.http.wasm.v3.Wasm";
    public const string Rbac = Prefix + "envoy.extensions.filters.http.rbac.v3.RBAC";
    public const string RbacPerRoute = Prefix + "envoy.extensions.filters.http.rbac.v3.RBACPerRoute";
    public const string ExtAuthz = Prefix + "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz";
    public const string JwtAuthn = Prefix + "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";
    public const string LocalRateLimit = Prefix + "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
    public const string RateLimit = Prefix + "envoy.extensions.filters.http.ratelimit.v3.RateLimit";
    public const string Lua = Prefix + "envoy.extensions.filters.http.lua.v3.Lua";
    public const string ExtProc = Prefix + "envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor";

    /// <summary>Per-route wrapper (<c>typed_per_filter_config</c>) carrying <c>is_optional</c> and <c>disabled</c>.</summary>
    public const string RouteFilterConfig = Prefix + "envoy.config.route.v3.FilterConfig";

    // Listener filters.
    public const string OriginalDst = Prefix + "envoy.extensions.filters.listener.original_dst.v3.OriginalDst";
    public const string TlsInspector = Prefix + "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";
    public const string HttpInspector = Prefix + "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector";

    // Transport sockets.
    public const string DownstreamTls = Prefix + "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
    public const string UpstreamTls = Prefix + "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
    public const string RawBuffer = Prefix + "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

    // Cluster protocol options.
    public const string HttpProtocolOptions = Prefix + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    /// <summary>The <c>typed_extension_protocol_options</c> key of <see cref="HttpProtocolOptions"/>.</summary>
    public const string HttpProtocolOptionsKey = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

    /// <summary>The null-VM plugins istio-proxy builds in (Istio 1.1x sent stats and metadata exchange as these).</summary>
    public static bool IsIstioBuiltinWasm(string inlineCode) =>
        inlineCode is "envoy.wasm.stats" or "envoy.wasm.metadata_exchange";
}
