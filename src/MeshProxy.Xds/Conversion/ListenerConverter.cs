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
        var previousResource = context.Resource;
        context.Resource = path;
        try
        {
            return ConvertListener(listener, path, runtime, context);
        }
        finally
        {
            context.Resource = previousResource;
        }
    }

    private static ListenerConfig? ConvertListener(Listener listener, string path, RuntimeConfig runtime, ConversionContext context)
    {
        var ok = true;
        if (listener.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a listener name is required");
            ok = false;
        }

        var address = SocketAddressConverter.Convert(listener.Address, FieldPath.Field(path, "address"), context, allowPortZero: true);
        ok &= address is not null;

        var listenerFiltersPath = FieldPath.Field(path, "listener_filters");
        var listenerFilters = ImmutableArray.CreateBuilder<ListenerFilterConfig>(listener.ListenerFilters.Count);
        for (var i = 0; i < listener.ListenerFilters.Count; i++)
        {
            var filter = ListenerFilterConverter.Convert(listener.ListenerFilters[i], FieldPath.Index(listenerFiltersPath, i), context);
            ok &= filter is not null;
            if (filter is not null)
            {
                listenerFilters.Add(filter);
            }
        }

        var chainsPath = FieldPath.Field(path, "filter_chains");
        var chains = ImmutableArray.CreateBuilder<FilterChainConfig>(listener.FilterChains.Count);
        if (listener.FilterChains.Count == 0 && listener.DefaultFilterChain is null)
        {
            context.Error(chainsPath, "at least one filter chain (or a default_filter_chain) is required");
            ok = false;
        }

        if (listener.FilterChainMatcher is not null)
        {
            context.Error(FieldPath.Field(path, "filter_chain_matcher"), "the generic filter chain matcher is not supported; use filter_chain_match");
            ok = false;
        }

        var matches = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < listener.FilterChains.Count; i++)
        {
            var chainPath = FieldPath.Index(chainsPath, i);
            var chain = ConvertChain(listener.FilterChains[i], chainPath, context);
            if (chain is null)
            {
                ok = false;
                continue;
            }

            // Envoy refuses a listener whose chains cannot be told apart ("multiple filter chains with the same matching rules").
            if (!matches.TryAdd(FilterChainMatchConverter.Key(chain.Match), i))
            {
                context.Error(
                    FieldPath.Field(chainPath, "filter_chain_match"),
                    $"same match as {FieldPath.Index(chainsPath, matches[FilterChainMatchConverter.Key(chain.Match)])}: a connection could not choose between them");
                ok = false;
            }

            chains.Add(chain);
        }

        FilterChainConfig? defaultChain = null;
        if (listener.DefaultFilterChain is { } fallback)
        {
            var defaultPath = FieldPath.Field(path, "default_filter_chain");
            if (fallback.FilterChainMatch is not null)
            {
                context.Warning(FieldPath.Field(defaultPath, "filter_chain_match"), "ignored on the default chain (it serves what no chain matches)");
            }

            defaultChain = ConvertChain(fallback, defaultPath, context);
            ok &= defaultChain is not null;
        }

        var filtersTimeout = DurationConverter.Convert(
            listener.ListenerFiltersTimeout, ListenerConfig.DefaultListenerFiltersTimeout, FieldPath.Field(path, "listener_filters_timeout"), context, allowZero: true);
        ok &= filtersTimeout is not null;

        var drainType = listener.DrainType == Listener.Types.DrainType.ModifyOnly ? ListenerDrainType.ModifyOnly : ListenerDrainType.Default;
        var limit = ConnectionLimit(listener.Name, runtime, path, context);
        UnsupportedFields.Warn(
            listener, path, context,
            "name", "address", "filter_chains", "per_connection_buffer_limit_bytes", "default_filter_chain", "listener_filters",
            "listener_filters_timeout", "continue_on_listener_filters_timeout", "bind_to_port", "use_original_dst", "drain_type",
            "filter_chain_matcher");
        if (!ok)
        {
            return null;
        }

        return new ListenerConfig(
            listener.Name,
            address!,
            chains.ToImmutable(),
            listener.PerConnectionBufferLimitBytes ?? ListenerConfig.DefaultPerConnectionBufferLimitBytes,
            limit)
        {
            DefaultFilterChain = defaultChain,
            ListenerFilters = listenerFilters.ToImmutable(),
            ListenerFiltersTimeout = filtersTimeout!.Value,
            ContinueOnListenerFiltersTimeout = listener.ContinueOnListenerFiltersTimeout,
            BindToPort = listener.BindToPort ?? true,
            UseOriginalDst = listener.UseOriginalDst ?? false,
            DrainType = drainType,
        };
    }

    private static FilterChainConfig? ConvertChain(FilterChain chain, string path, ConversionContext context)
    {
        var match = FilterChainMatchConverter.Convert(chain.FilterChainMatch, FieldPath.Field(path, "filter_chain_match"), context);
        var ok = match is not null;

        var requiresTls = false;
        if (chain.TransportSocket is { } socket)
        {
            var tls = TransportSocketConverter.RequiresTls(socket, FieldPath.Field(path, "transport_socket"), context, upstream: false);
            ok &= tls is not null;
            requiresTls = tls ?? false;
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
            if (!NetworkFilterConverter.TryConvert(chain.Filters[i], filterPath, context, out var filter))
            {
                ok = false;
                continue;
            }

            if (filter is null)
            {
                continue;
            }

            if (NetworkFilterConverter.IsTerminal(filter) && i != chain.Filters.Count - 1)
            {
                context.Error(filterPath, $"'{filter.Name}' is a terminal filter and must be the last in the chain");
                ok = false;
            }

            filters.Add(filter);
        }

        if (ok && (filters.Count == 0 || !NetworkFilterConverter.IsTerminal(filters[^1])))
        {
            context.Error(filtersPath, "the last network filter must be terminal (tcp_proxy or http_connection_manager)");
            ok = false;
        }

        UnsupportedFields.Warn(chain, path, context, "filters", "name", "filter_chain_match", "transport_socket");
        return ok ? new FilterChainConfig(chain.Name, filters.ToImmutable()) { Match = match!, RequiresTls = requiresTls } : null;
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
