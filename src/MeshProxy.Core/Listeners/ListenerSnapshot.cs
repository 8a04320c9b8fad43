using MeshProxy.Core.Config;
using MeshProxy.Core.Transport;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// Everything a listener needs to serve one accepted connection, built at config time from one
/// <see cref="ListenerConfig"/>. Swapped whole; a connection keeps the snapshot it was accepted with.
/// </summary>
internal sealed class ListenerSnapshot
{
    public ListenerSnapshot(ListenerConfig config, IReadOnlyList<FilterChainRuntime> filterChains, long? maxConnections)
    {
        Config = config;
        FilterChains = filterChains;
        MaxConnections = maxConnections;
        ConnectionOptions = new ConnectionOptions(config.PerConnectionBufferLimitBytes > 0
            ? config.PerConnectionBufferLimitBytes
            : ListenerConfig.DefaultPerConnectionBufferLimitBytes);
    }

    public ListenerConfig Config { get; }

    public IReadOnlyList<FilterChainRuntime> FilterChains { get; }

    public long? MaxConnections { get; }

    public ConnectionOptions ConnectionOptions { get; }

    /// <summary>
    /// The chain that serves <paramref name="connection"/>, null when none matches. Today the first chain serves
    /// everything; filter-chain match (destination port, server name, ALPN) replaces this body.
    /// </summary>
#pragma warning disable IDE0060 // The connection is what chain matching will look at.
    public FilterChainRuntime? SelectFilterChain(TransportConnection connection) => FilterChains.Count > 0 ? FilterChains[0] : null;
#pragma warning restore IDE0060
}
