using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>A listener: where to accept, and what to run on accepted connections.</summary>
/// <param name="Name">Unique listener name.</param>
/// <param name="Address">Bound address.</param>
/// <param name="FilterChains">Filter chains; a connection is served by the most specific chain whose match accepts it
/// (Envoy's filter-chain match order), else by <see cref="DefaultFilterChain"/>, else it is closed.</param>
/// <param name="PerConnectionBufferLimitBytes">Envoy's <c>per_connection_buffer_limit_bytes</c> (default 1 MiB): the
/// most bytes buffered for one direction of a connection before reading from the other side pauses.</param>
/// <param name="MaxConnections">Per-listener connection limit, null when unlimited.</param>
public sealed record ListenerConfig(
    string Name,
    SocketAddressConfig Address,
    ImmutableArray<FilterChainConfig> FilterChains,
    uint PerConnectionBufferLimitBytes,
    long? MaxConnections)
{
    public const uint DefaultPerConnectionBufferLimitBytes = 1024 * 1024;

    /// <summary>Envoy's <c>listener_filters_timeout</c> default.</summary>
    public static readonly TimeSpan DefaultListenerFiltersTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Envoy's <c>default_filter_chain</c>: serves connections no chain matches; null closes them.</summary>
    public FilterChainConfig? DefaultFilterChain { get; init; }

    /// <summary>Listener filters run on an accepted connection before chain matching, in order.</summary>
    public ImmutableArray<ListenerFilterConfig> ListenerFilters { get; init; } = [];

    /// <summary>How long listener filters may wait for the bytes they inspect; Zero disables the timeout.</summary>
    public TimeSpan ListenerFiltersTimeout { get; init; } = DefaultListenerFiltersTimeout;

    /// <summary>On listener filter timeout, go on to chain matching with what is known (true) or close (false).</summary>
    public bool ContinueOnListenerFiltersTimeout { get; init; }

    /// <summary>False for Istio's per-port outbound listeners: not bound, reached only by a
    /// <see cref="UseOriginalDst"/> listener handing a connection over by its original destination.</summary>
    public bool BindToPort { get; init; } = true;

    /// <summary>Hand accepted connections to the listener whose address is their original destination
    /// (iptables REDIRECT), serving them here only when no such listener exists.</summary>
    public bool UseOriginalDst { get; init; }

    /// <summary>Envoy's <c>drain_type</c>: DEFAULT drains on listener change, removal and server drain;
    /// MODIFY_ONLY only on change and removal.</summary>
    public ListenerDrainType DrainType { get; init; }
}

public enum ListenerDrainType
{
    Default,
    ModifyOnly,
}
