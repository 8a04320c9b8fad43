using Google.Protobuf.Reflection;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// The Envoy message types MeshProxy can read out of an <c>Any</c> (bootstrap and xDS), by type URL.
/// <see cref="TypeRegistry.FromFiles(FileDescriptor[])"/> follows imports, so listing the roots is enough.
/// Every extension root the protos project generates is listed, so a config using, say, the HTTP
/// connection manager parses and is then refused by name by the converters ("unsupported network
/// filter"), instead of failing as an unknown type URL.
/// </summary>
public static class EnvoyTypes
{
    public const string TcpProxyTypeUrl = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

    public static TypeRegistry Registry { get; } = TypeRegistry.FromFiles(
        global::Envoy.Config.Bootstrap.V3.BootstrapReflection.Descriptor,
        global::Envoy.Service.Discovery.V3.AdsReflection.Descriptor,
        global::Envoy.Service.Accesslog.V3.AlsReflection.Descriptor,
        global::Envoy.Config.Route.V3.RouteReflection.Descriptor,
        global::Envoy.Config.Endpoint.V3.EndpointReflection.Descriptor,
        global::Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxyReflection.Descriptor,
        global::Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManagerReflection.Descriptor,
        global::Envoy.Extensions.Filters.Network.Rbac.V3.RbacReflection.Descriptor,
        global::Envoy.Extensions.Filters.Network.LocalRatelimit.V3.LocalRateLimitReflection.Descriptor,
        global::Envoy.Extensions.Filters.Network.DubboProxy.V3.DubboProxyReflection.Descriptor,
        global::Envoy.Extensions.Filters.Network.DubboProxy.Router.V3.RouterReflection.Descriptor,
        global::Envoy.Extensions.Filters.Http.Router.V3.RouterReflection.Descriptor,
        global::Envoy.Extensions.Filters.Http.Rbac.V3.RbacReflection.Descriptor,
        global::Envoy.Extensions.Filters.Http.LocalRatelimit.V3.LocalRateLimitReflection.Descriptor,
        global::Envoy.Extensions.Filters.Http.Fault.V3.FaultReflection.Descriptor,
        global::Envoy.Extensions.Filters.Http.Cors.V3.CorsReflection.Descriptor,
        global::Envoy.Extensions.Filters.Http.GrpcStats.V3.ConfigReflection.Descriptor,
        global::Envoy.Extensions.Filters.Http.Wasm.V3.WasmReflection.Descriptor,
        global::Envoy.Extensions.Filters.Listener.OriginalDst.V3.OriginalDstReflection.Descriptor,
        global::Envoy.Extensions.Filters.Listener.TlsInspector.V3.TlsInspectorReflection.Descriptor,
        global::Envoy.Extensions.Filters.Listener.HttpInspector.V3.HttpInspectorReflection.Descriptor,
        global::Envoy.Extensions.AccessLoggers.File.V3.FileReflection.Descriptor,
        global::Envoy.Extensions.AccessLoggers.Grpc.V3.AlsReflection.Descriptor,
        global::Envoy.Extensions.TransportSockets.Tls.V3.TlsReflection.Descriptor,
        global::Envoy.Extensions.TransportSockets.Tls.V3.SecretReflection.Descriptor,
        global::Envoy.Extensions.TransportSockets.RawBuffer.V3.RawBufferReflection.Descriptor,
        global::Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptionsReflection.Descriptor,
        global::Udpa.Type.V1.TypedStructReflection.Descriptor,
        global::Xds.Type.V3.TypedStructReflection.Descriptor);
}
