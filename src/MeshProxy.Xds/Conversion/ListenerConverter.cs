using System.Collections.Immutable;
using MeshProxy.Core.Config;
using Envoy.Config.Listener.V3;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy <c>Listener</c> to <see cref="ListenerConfig"/>; shared by bootstrap (static_resources) and LDS.
/// </summary>
public static class ListenerConverter
{
    /// <param name="listener">The proto.</param>
    /// <param name="path">Path of the listener, for example <c>static_resources.listeners[0]</c>.</param>
    /// <param name="runtime">Runtime values; <c>envoy.resource_limits.listener.NAME.connection_limit</c> sets the connection limit.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <returns>The listener, or null when an error was recorded.</returns>
    public static ListenerConfig? Convert(Listener listener, string path, RuntimeConfig runtime, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(context);
        var ok = true;
        if (listener.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a listener name is required");
            ok = false;
        }

        var address = SocketAddressConverter.Convert(listener.Address, FieldPath.Field(path, "address"), context, allowPortZero: true);
        ok &= address is not null;

        var chainsPath = FieldPath.Field(path, "filter_chains");
        var chains = ImmutableArray.CreateBuilder<FilterChainConfig>(listener.FilterChains.Count);
        if (listener.FilterChains.Count == 0)
        {
            context.Error(chainsPath, "at least one filter chain is required");
            ok = false;
        }
        else if (listener.FilterChains.Count > 1)
        {
            context.Warning(
                chainsPath,
                $"filter chain matching arrives with xDS; only the first of {listener.FilterChains.Count} chains serves");
        }

        for (var i = 0; i < listener.FilterChains.Count; i++)
        {
            var chain = ConvertChain(listener.FilterChains[i], i, FieldPath.Index(chainsPath, i), context);
            if (chain is null)
            {
                ok = false;
            }
            else
            {
                chains.Add(chain);
            }
        }

        var limit = ConnectionLimit(listener.Name, runtime, path, context);
        UnsupportedFields.Warn(listener, path, context, "name", "address", "filter_chains", "per_connection_buffer_limit_bytes");
        if (!ok)
        {
            return null;
        }

        return new ListenerConfig(
            listener.Name,
            address!,
            chains.ToImmutable(),
            listener.PerConnectionBufferLimitBytes ?? ListenerConfig.DefaultPerConnectionBufferLimitBytes,
            limit);
    }

    private static FilterChainConfig? ConvertChain(FilterChain chain, int index, string path, ConversionContext context)
    {
        var ok = true;
        if (chain.FilterChainMatch is not null)
        {
            context.Warning(
                FieldPath.Field(path, "filter_chain_match"), $"filter chain matching arrives with xDS; chain {index} used as-is");
        }

        if (chain.TransportSocket is not null)
        {
            // Serving plaintext where TLS was asked for would be worse than refusing to start.
            context.Error(FieldPath.Field(path, "transport_socket"), "transport sockets (TLS) are not supported yet");
            ok = false;
        }

        var filtersPath = FieldPath.Field(path, "filters");
        var filters = ImmutableArray.CreateBuilder<NetworkFilterConfig>(chain.Filters.Count);
        if (chain.Filters.Count == 0)
        {
            context.Error(filtersPath, "at least one network filter is required");
            ok = false;
        }

        for (var i = 0; i < chain.Filters.Count; i++)
        {
            var filterPath = FieldPath.Index(filtersPath, i);
            var filter = NetworkFilterConverter.Convert(chain.Filters[i], filterPath, context);
            if (filter is null)
            {
                ok = false;
                continue;
            }

            if (NetworkFilterConverter.IsTerminal(filter) && i != chain.Filters.Count - 1)
            {
                context.Error(filterPath, $"'{filter.Name}' is a terminal filter and must be the last in the chain");
                ok = false;
            }

            filters.Add(filter);
        }

        UnsupportedFields.Warn(chain, path, context, "filters", "name", "filter_chain_match", "transport_socket");
        return ok ? new FilterChainConfig(chain.Name, filters.ToImmutable()) : null;
    }

    private static long? ConnectionLimit(string listenerName, RuntimeConfig runtime, string path, ConversionContext context)
    {
        var key = RuntimeConfig.ListenerConnectionLimitKey(listenerName);
        if (!runtime.Values.TryGetValue(key, out var text))
        {
            return null;
        }

        var limit = runtime.GetInt64(key);
        if (limit is null or < 0)
        {
            context.Warning(path, $"runtime key '{key}' = '{text}' is not a non-negative integer; no connection limit applied");
            return null;
        }

        return limit;
    }
}
