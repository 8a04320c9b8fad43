using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using TcpProxyProto = Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy;
using ListenerFilter = Envoy.Config.Listener.V3.Filter;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// One listener network filter to its MeshProxy config. The filter is chosen by the type URL of
/// <c>typed_config</c> (a TypedStruct's inner one), as Envoy does; the name is a label, consulted only for Istio's
/// well-known observing filters. tcp_proxy and http_connection_manager convert; Istio's metadata exchange and stats
/// are skipped with one warning per listener; anything else (network RBAC, ext_authz, rate limits, unknown) is an
/// error: dropping it would change what the listener lets through. Network filters have no <c>is_optional</c>.
/// </summary>
public static class NetworkFilterConverter
{
    /// <param name="filter">The proto filter.</param>
    /// <param name="path">Path of this filter, for example <c>listeners[0].filter_chains[0].filters[0]</c>.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <param name="config">The filter config; null when skipped by policy or on error.</param>
    /// <returns>False when an error was recorded; true when converted or skipped.</returns>
    public static bool TryConvert(ListenerFilter filter, string path, ConversionContext context, out NetworkFilterConfig? config)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        config = null;
        if (filter.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a filter name is required");
            return false;
        }

        var configPath = FieldPath.Field(path, "typed_config");
        switch (filter.ConfigTypeCase)
        {
            case ListenerFilter.ConfigTypeOneofCase.ConfigDiscovery:
                context.Error(FieldPath.Field(path, "config_discovery"), "filter config discovery (ECDS) is not supported");
                return false;
            case ListenerFilter.ConfigTypeOneofCase.None:
                context.Error(configPath, $"typed_config is required for network filter '{filter.Name}'");
                return false;
        }

        if (TypedConfig.Resolve(filter.TypedConfig, configPath, context) is not { } type)
        {
            return false;
        }

        switch (type.TypeUrl)
        {
            case FilterTypeUrls.TcpProxy when type.Struct is null:
                var proxy = TypedConfig.Unpack<TcpProxyProto>(filter.TypedConfig, configPath, context);
                config = proxy is null ? null : TcpProxyConverter.Convert(proxy, filter.Name, configPath, context);
                return config is not null;
            case FilterTypeUrls.HttpConnectionManager when type.Struct is null:
                var hcm = TypedConfig.Unpack<HttpConnectionManager>(filter.TypedConfig, configPath, context);
                config = hcm is null ? null : HttpConnectionManagerConverter.Convert(hcm, filter.Name, configPath, context);
                return config is not null;
            case FilterTypeUrls.TcpMetadataExchange:
            case FilterTypeUrls.IstioStats:
                Skip(filter.Name, path, context);
                return true;
        }

        // Istio's names, for a type URL a newer Istio may change; never for a filter Envoy knows to decide.
        if (filter.Name is "istio.metadata_exchange" or "istio.stats"
            && type.TypeUrl is not (FilterTypeUrls.NetworkRbac or FilterTypeUrls.NetworkExtAuthz or FilterTypeUrls.NetworkLocalRateLimit
                or FilterTypeUrls.NetworkRateLimit or FilterTypeUrls.NetworkWasm))
        {
            Skip(filter.Name, path, context);
            return true;
        }

        context.Error(
            path,
            $"unsupported network filter '{filter.Name}' ({type.TypeUrl}): MeshProxy cannot run it, and dropping it would change what the listener lets through");
        return false;
    }

    /// <summary>The filter config, or null when skipped by policy or when an error was recorded.</summary>
    public static NetworkFilterConfig? Convert(ListenerFilter filter, string path, ConversionContext context) =>
        TryConvert(filter, path, context, out var config) ? config : null;

    /// <summary>True for filters that end a chain (they own the connection's bytes).</summary>
    public static bool IsTerminal(NetworkFilterConfig filter) => filter is TcpProxyConfig or HttpConnectionManagerConfig;

    private static void Skip(string name, string path, ConversionContext context) =>
        context.WarningOncePerResource(
            "network-filter:" + name, path, $"network filter '{name}' skipped: Istio telemetry only observes (filter policy)");
}
