using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>A listener: where to accept, and what to run on accepted connections.</summary>
/// <param name="Name">Unique listener name.</param>
/// <param name="Address">Bound address.</param>
/// <param name="FilterChains">Filter chains; matching arrives with the xDS work, today the first chain serves.</param>
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
}
