using Google.Protobuf;
using MeshProxy.Core.Config;
using TcpProxyProto = Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy;
using ListenerFilter = Envoy.Config.Listener.V3.Filter;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// One listener network filter to its MeshProxy config. The filter is chosen by the type URL of
/// <c>typed_config</c>, as Envoy does; the name is a label. Unknown filters are errors: dropping a
/// filter (an RBAC check, say) would change what the listener lets through.
/// </summary>
public static class NetworkFilterConverter
{
    /// <param name="filter">The proto filter.</param>
    /// <param name="path">Path of this filter, for example <c>listeners[0].filter_chains[0].filters[0]</c>.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <returns>The filter config, or null when an error was recorded.</returns>
    public static NetworkFilterConfig? Convert(ListenerFilter filter, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        if (filter.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a filter name is required");
            return null;
        }

        var configPath = FieldPath.Field(path, "typed_config");
        switch (filter.ConfigTypeCase)
        {
            case ListenerFilter.ConfigTypeOneofCase.ConfigDiscovery:
                context.Error(FieldPath.Field(path, "config_discovery"), "filter config discovery (ECDS) is not supported");
                return null;
            case ListenerFilter.ConfigTypeOneofCase.None:
                context.Error(configPath, $"typed_config is required for network filter '{filter.Name}'");
                return null;
        }

        if (filter.TypedConfig.Is(TcpProxyProto.Descriptor))
        {
            TcpProxyProto proxy;
            try
            {
                proxy = filter.TypedConfig.Unpack<TcpProxyProto>();
            }
            catch (InvalidProtocolBufferException ex)
            {
                context.Error(configPath, $"cannot decode tcp_proxy config: {ex.Message}");
                return null;
            }

            return TcpProxyConverter.Convert(proxy, filter.Name, configPath, context);
        }

        context.Error(path, $"unsupported network filter '{filter.Name}' ({filter.TypedConfig.TypeUrl})");
        return null;
    }

    /// <summary>True for filters that end a chain (they own the connection's bytes).</summary>
    public static bool IsTerminal(NetworkFilterConfig filter) => filter is TcpProxyConfig;
}
