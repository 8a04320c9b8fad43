using MeshProxy.Core.Config;
using MeshProxy.Core.Listeners.Filters;
using MeshProxy.Core.Transport;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// Everything a listener needs to serve one accepted connection, built at config time from one
/// <see cref="ListenerConfig"/>: listener filters, chains and their matcher. Swapped whole; a connection keeps the
/// snapshot it was accepted with and belongs to its <see cref="Connections"/> group, which drains when the snapshot
/// is replaced or removed.
/// </summary>
internal sealed class ListenerSnapshot
{
    public ListenerSnapshot(
        ListenerConfig config,
        IReadOnlyList<FilterChainRuntime> filterChains,
        FilterChainRuntime? defaultChain,
        IReadOnlyList<ListenerFilter> listenerFilters,
        long? maxConnections)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        FilterChains = filterChains;
        ListenerFilters = [.. listenerFilters];
        MaxConnections = maxConnections;
        Matcher = new FilterChainMatcher(filterChains, defaultChain);
        ConnectionOptions = new ConnectionOptions(config.PerConnectionBufferLimitBytes > 0
            ? config.PerConnectionBufferLimitBytes
            : ListenerConfig.DefaultPerConnectionBufferLimitBytes);
    }

    public ListenerConfig Config { get; }

    public IReadOnlyList<FilterChainRuntime> FilterChains { get; }

    public FilterChainMatcher Matcher { get; }

    /// <summary>Run in order on each accepted connection before matching.</summary>
    public ListenerFilter[] ListenerFilters { get; }

    public long? MaxConnections { get; }

    public ConnectionOptions ConnectionOptions { get; }

    /// <summary>The connections this snapshot serves; drained when it is replaced.</summary>
    public ConnectionGroup Connections { get; } = new();
}
