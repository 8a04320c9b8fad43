using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>An upstream cluster.</summary>
/// <param name="Name">Unique cluster name.</param>
/// <param name="DiscoveryType">How hosts are found; STATIC only in the foundation.</param>
/// <param name="ConnectTimeout">Envoy's <c>connect_timeout</c> (default 5 s).</param>
/// <param name="LbPolicy">Load-balancing policy.</param>
/// <param name="Endpoints">Hosts, with weights and health (from <c>load_assignment</c>).</param>
/// <param name="PerConnectionBufferLimitBytes">Envoy's cluster-side <c>per_connection_buffer_limit_bytes</c>.</param>
public sealed record ClusterConfig(
    string Name,
    ClusterDiscoveryType DiscoveryType,
    TimeSpan ConnectTimeout,
    LbPolicy LbPolicy,
    ImmutableArray<EndpointConfig> Endpoints,
    uint PerConnectionBufferLimitBytes)
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);
}

public enum ClusterDiscoveryType
{
    Static,
    StrictDns,
    LogicalDns,
    Eds,
    OriginalDst,
}

public enum LbPolicy
{
    RoundRobin,
    LeastRequest,
    Random,
    RingHash,
    Maglev,
}
