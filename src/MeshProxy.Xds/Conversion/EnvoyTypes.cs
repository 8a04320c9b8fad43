using Google.Protobuf.Reflection;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// The Envoy message types MeshProxy can read out of an <c>Any</c> (bootstrap and xDS), by type URL.
/// <see cref="TypeRegistry.FromFiles(FileDescriptor[])"/> follows imports, so listing the roots is enough.
/// Every extension root the protos project generates is listed, so a config using, say, the HTTP
/// connection manager parses and is then refused by name by the converters ("unsupported network
/// filter"), instead of failing as an unknown type URL.
/// </summary>
/// <remarks>
/// Building a file's descriptors builds those of everything it imports, and they stay for the life of the process
/// (static fields of the generated code): 7.7 MB for Bootstrap's closure alone. No production path builds them any
/// more (parsing, conversion and <c>/config_dump</c> read the build's descriptor set through <see cref="Schema.ProtoSchema"/>);
/// the registry is what tests and benchmarks hold those paths to, with Google.Protobuf's own JSON parser and formatter.
/// </remarks>
public static class EnvoyTypes
{
    public const string TcpProxyTypeUrl = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

    /// <summary>
    /// Root files by proto package (the extension roots, and the resource types a file source's DiscoveryResponse
    /// carries); with Bootstrap's closure they make up <see cref="Registry"/>.
    /// </summary>
    internal static readonly (string Package, Func<FileDescriptor> File)[] Roots =
    [
        ("envoy.service.discovery.v3", () => global::Envoy.Service.Discovery.V3.AdsReflection.Descriptor),
        ("envoy.service.accesslog.v3", () => global::Envoy.Service.Accesslog.V3.AlsReflection.Descriptor),
        ("envoy.config.listener.v3", () => global::Envoy.Config.Listener.V3.ListenerReflection.Descriptor),
        ("envoy.config.cluster.v3", () => global::Envoy.Config.Cluster.V3.ClusterReflection.Descriptor),
        ("envoy.config.route.v3", () => global::Envoy.Config.Route.V3.RouteReflection.Descriptor),
        ("envoy.config.endpoint.v3", () => global::Envoy.Config.Endpoint.V3.EndpointReflection.Descriptor),
        ("envoy.extensions.filters.network.tcp_proxy.v3", () => global::Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxyReflection.Descriptor),
        ("envoy.extensions.filters.network.http_connection_manager.v3", () => global::Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManagerReflection.Descriptor),
        ("envoy.extensions.filters.network.rbac.v3", () => global::Envoy.Extensions.Filters.Network.Rbac.V3.RbacReflection.Descriptor),
        ("envoy.extensions.filters.network.local_ratelimit.v3", () => global::Envoy.Extensions.Filters.Network.LocalRatelimit.V3.LocalRateLimitReflection.Descriptor),
        ("envoy.extensions.filters.network.dubbo_proxy.v3", () => global::Envoy.Extensions.Filters.Network.DubboProxy.V3.DubboProxyReflection.Descriptor),
        ("envoy.extensions.filters.network.dubbo_proxy.router.v3", () => global::Envoy.Extensions.Filters.Network.DubboProxy.Router.V3.RouterReflection.Descriptor),
        ("envoy.extensions.filters.http.router.v3", () => global::Envoy.Extensions.Filters.Http.Router.V3.RouterReflection.Descriptor),
        ("envoy.extensions.filters.http.rbac.v3", () => global::Envoy.Extensions.Filters.Http.Rbac.V3.RbacReflection.Descriptor),
        ("envoy.extensions.filters.http.local_ratelimit.v3", () => global::Envoy.Extensions.Filters.Http.LocalRatelimit.V3.LocalRateLimitReflection.Descriptor),
        ("envoy.extensions.filters.http.fault.v3", () => global::Envoy.Extensions.Filters.Http.Fault.V3.FaultReflection.Descriptor),
        ("envoy.extensions.filters.http.cors.v3", () => global::Envoy.Extensions.Filters.Http.Cors.V3.CorsReflection.Descriptor),
        ("envoy.extensions.filters.http.grpc_stats.v3", () => global::Envoy.Extensions.Filters.Http.GrpcStats.V3.ConfigReflection.Descriptor),
        ("envoy.extensions.filters.http.wasm.v3", () => global::Envoy.Extensions.Filters.Http.Wasm.V3.WasmReflection.Descriptor),
        ("envoy.extensions.filters.listener.original_dst.v3", () => global::Envoy.Extensions.Filters.Listener.OriginalDst.V3.OriginalDstReflection.Descriptor),
        ("envoy.extensions.filters.listener.tls_inspector.v3", () => global::Envoy.Extensions.Filters.Listener.TlsInspector.V3.TlsInspectorReflection.Descriptor),
        ("envoy.extensions.filters.listener.http_inspector.v3", () => global::Envoy.Extensions.Filters.Listener.HttpInspector.V3.HttpInspectorReflection.Descriptor),
        ("envoy.extensions.access_loggers.file.v3", () => global::Envoy.Extensions.AccessLoggers.File.V3.FileReflection.Descriptor),
        ("envoy.extensions.access_loggers.grpc.v3", () => global::Envoy.Extensions.AccessLoggers.Grpc.V3.AlsReflection.Descriptor),
        ("envoy.extensions.transport_sockets.tls.v3", () => global::Envoy.Extensions.TransportSockets.Tls.V3.TlsReflection.Descriptor),
        ("envoy.extensions.transport_sockets.tls.v3", () => global::Envoy.Extensions.TransportSockets.Tls.V3.SecretReflection.Descriptor),
        ("envoy.extensions.transport_sockets.raw_buffer.v3", () => global::Envoy.Extensions.TransportSockets.RawBuffer.V3.RawBufferReflection.Descriptor),
        ("envoy.extensions.upstreams.http.v3", () => global::Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptionsReflection.Descriptor),
        ("udpa.type.v1", () => global::Udpa.Type.V1.TypedStructReflection.Descriptor),
        ("xds.type.v3", () => global::Xds.Type.V3.TypedStructReflection.Descriptor),
    ];

    private static readonly Lazy<TypeRegistry> Full = new(() => TypeRegistry.FromFiles(
        [global::Envoy.Config.Bootstrap.V3.BootstrapReflection.Descriptor, .. Roots.Select(root => root.File())]));

    /// <summary>Every type MeshProxy knows (built on first use: <c>/config_dump</c>, tests).</summary>
    public static TypeRegistry Registry => Full.Value;
}
