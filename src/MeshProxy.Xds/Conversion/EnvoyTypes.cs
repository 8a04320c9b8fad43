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
/// (static fields of the generated code): the whole registry is about a third of the managed heap after start-up.
/// <see cref="RegistryFor"/> gives a parse the registry it needs instead: the closure of the message being parsed plus
/// the extension roots whose package an <c>@type</c> in the text names, and the whole registry whenever it cannot tell
/// (a type outside those, an escaped <c>@type</c>), so what parses and what fails is the same as with
/// <see cref="Registry"/>.
/// </remarks>
public static class EnvoyTypes
{
    public const string TcpProxyTypeUrl = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

    private const string TypeKey = "\"@type\"";

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

    /// <summary>Every type MeshProxy knows (built on first use: <c>/config_dump</c>, a parse error, tests).</summary>
    public static TypeRegistry Registry => Full.Value;

    /// <summary>
    /// A registry for parsing <paramref name="json"/> into a message of <paramref name="root"/>: its closure plus the
    /// extension roots of the packages its <c>@type</c> values name; <see cref="Registry"/> when any of those types
    /// would not be found that way.
    /// </summary>
    public static TypeRegistry RegistryFor(string json, FileDescriptor root) =>
        Full.IsValueCreated ? Registry : NarrowRegistryFor(json, root) ?? Registry;

    /// <summary>The narrow registry of <see cref="RegistryFor"/>; null when only the whole one would do.</summary>
    internal static TypeRegistry? NarrowRegistryFor(string json, FileDescriptor root)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(root);
        if (TypeNames(json) is not { } names)
        {
            return null;
        }

        var files = new List<FileDescriptor> { root };
        var known = new HashSet<string>(StringComparer.Ordinal);
        var visited = new HashSet<FileDescriptor>();
        AddClosure(root, known, visited);
        foreach (var name in names)
        {
            if (known.Contains(name))
            {
                continue;
            }

            foreach (var (package, file) in Roots)
            {
                if (name.Length > package.Length && name[package.Length] == '.' && name.StartsWith(package, StringComparison.Ordinal))
                {
                    var descriptor = file();
                    files.Add(descriptor);
                    AddClosure(descriptor, known, visited);
                }
            }

            if (!known.Contains(name))
            {
                return null;
            }
        }

        return TypeRegistry.FromFiles([.. files]);
    }

    /// <summary>The type names (after the last '/') of every <c>"@type"</c> in the text; null when one cannot be read plainly.</summary>
    private static HashSet<string>? TypeNames(string json)
    {
        if (json.Contains("\\u", StringComparison.Ordinal))
        {
            return null; // a key or type URL could be spelled with escapes
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var at = 0;
        while ((at = json.IndexOf(TypeKey, at, StringComparison.Ordinal)) >= 0)
        {
            var i = SkipWhitespace(json, at + TypeKey.Length);
            if (i >= json.Length || json[i] != ':')
            {
                return null; // "@type" inside a value, or not JSON we understand: let the full registry decide
            }

            i = SkipWhitespace(json, i + 1);
            var end = i < json.Length && json[i] == '"' ? json.IndexOf('"', i + 1) : -1;
            if (end < 0 || json.AsSpan(i + 1, end - i - 1).Contains('\\'))
            {
                return null;
            }

            var url = json.AsSpan(i + 1, end - i - 1);
            names.Add(url[(url.LastIndexOf('/') + 1)..].ToString());
            at = end + 1;
        }

        return names;
    }

    private static int SkipWhitespace(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static void AddClosure(FileDescriptor file, HashSet<string> known, HashSet<FileDescriptor> visited)
    {
        if (!visited.Add(file))
        {
            return;
        }

        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, known);
        }

        foreach (var dependency in file.Dependencies)
        {
            AddClosure(dependency, known, visited);
        }
    }

    private static void AddMessage(MessageDescriptor message, HashSet<string> known)
    {
        known.Add(message.FullName);
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, known);
        }
    }
}
