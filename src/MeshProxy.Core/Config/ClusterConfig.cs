using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>An upstream cluster.</summary>
/// <param name="Name">Unique cluster name.</param>
/// <param name="DiscoveryType">How hosts are found.</param>
/// <param name="ConnectTimeout">Envoy's <c>connect_timeout</c> (default 5 s).</param>
/// <param name="LbPolicy">Load-balancing policy.</param>
/// <param name="Endpoints">Hosts with weights and health: the inline <c>load_assignment</c> (STATIC), or the
/// ClusterLoadAssignment that EDS delivered (EDS). Empty for STRICT_DNS (see <see cref="DnsTargets"/>) and ORIGINAL_DST.</param>
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
    public static readonly TimeSpan DefaultDnsRefreshRate = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultOriginalDstCleanupInterval = TimeSpan.FromSeconds(5);

    /// <summary>EDS: the ClusterLoadAssignment name to subscribe to (<c>eds_cluster_config.service_name</c>, else the cluster name).</summary>
    public string? EdsServiceName { get; init; }

    /// <summary>
    /// EDS: how long the cluster waits warming for its ClusterLoadAssignment (<c>eds_config.initial_fetch_timeout</c>).
    /// Null means Envoy's default of 15 s; Zero waits forever (what Istio sends).
    /// </summary>
    public TimeSpan? EdsInitialFetchTimeout { get; init; }

    /// <summary>STRICT_DNS / LOGICAL_DNS: hosts to resolve (from <c>load_assignment</c>), each resolved address becoming an endpoint.</summary>
    public ImmutableArray<DnsTargetConfig> DnsTargets { get; init; } = [];

    public TimeSpan DnsRefreshRate { get; init; } = DefaultDnsRefreshRate;

    public DnsLookupFamily DnsLookupFamily { get; init; }

    /// <summary>ORIGINAL_DST: how long an unused host created from a connection's original destination is kept.</summary>
    public TimeSpan OriginalDstCleanupInterval { get; init; } = DefaultOriginalDstCleanupInterval;

    /// <summary>Envoy's <c>circuit_breakers</c> thresholds for the DEFAULT and HIGH routing priorities.</summary>
    public CircuitBreakerConfig CircuitBreakers { get; init; } = CircuitBreakerConfig.Default;

    /// <summary>Protocol used towards the hosts (<c>typed_extension_protocol_options</c> HttpProtocolOptions).</summary>
    public UpstreamHttpProtocol UpstreamProtocol { get; init; }

    /// <summary>
    /// The cluster's <c>transport_socket</c> asks for TLS, which MeshProxy cannot originate yet: the cluster is kept
    /// (so CDS is accepted) but connecting to its hosts fails at once and is counted; it never sends plaintext instead.
    /// </summary>
    public bool RequiresTls { get; init; }

    /// <summary>
    /// The endpoints' <c>policy.overprovisioning_factor</c> in percent (default 140): a priority level or locality whose
    /// healthy share times this factor reaches 100% takes all the load offered to it; below, it spills the rest.
    /// </summary>
    public uint OverprovisioningFactor { get; init; } = EndpointSetConfig.DefaultOverprovisioningFactor;

    /// <summary><c>common_lb_config.healthy_panic_threshold</c> in whole percent (default 50; 0 disables panic): a
    /// priority level with fewer available hosts than this balances over all its hosts, whatever their health.</summary>
    public uint HealthyPanicThreshold { get; init; } = DefaultHealthyPanicThreshold;

    /// <summary><c>common_lb_config.locality_weighted_lb_config</c> is set: a locality is chosen by its
    /// <see cref="EndpointConfig.LocalityWeight"/> (scaled by its availability) before a host inside it.</summary>
    public bool LocalityWeightedLb { get; init; }

    /// <summary><c>least_request_lb_config.choice_count</c> (default 2): hosts sampled per pick when weights are equal.</summary>
    public uint LeastRequestChoiceCount { get; init; } = DefaultLeastRequestChoiceCount;

    /// <summary><c>least_request_lb_config.active_request_bias</c> (default 1.0): the exponent in
    /// <c>weight / (active_requests + 1)^bias</c> when weights differ.</summary>
    public double LeastRequestActiveRequestBias { get; init; } = 1.0;

    /// <summary><c>ring_hash_lb_config.minimum_ring_size</c> (default 1024).</summary>
    public ulong RingHashMinimumRingSize { get; init; } = DefaultRingHashMinimumRingSize;

    /// <summary><c>ring_hash_lb_config.maximum_ring_size</c> (default 8M).</summary>
    public ulong RingHashMaximumRingSize { get; init; } = DefaultRingHashMaximumRingSize;

    /// <summary><c>maglev_lb_config.table_size</c>, a prime (default 65537).</summary>
    public ulong MaglevTableSize { get; init; } = DefaultMaglevTableSize;

    public const uint DefaultHealthyPanicThreshold = 50;
    public const uint DefaultLeastRequestChoiceCount = 2;
    public const ulong DefaultRingHashMinimumRingSize = 1024;
    public const ulong DefaultRingHashMaximumRingSize = 8 * 1024 * 1024;
    public const ulong DefaultMaglevTableSize = 65537;
}

/// <summary>One name to resolve for a DNS cluster.</summary>
public sealed record DnsTargetConfig(string Host, int Port, uint Weight, uint Priority, string Locality);

/// <summary>Envoy's <c>dns_lookup_family</c>.</summary>
public enum DnsLookupFamily
{
    Auto,
    V4Only,
    V6Only,
    V4Preferred,
    All,
}

/// <summary>Which HTTP version to speak to the hosts of a cluster.</summary>
public enum UpstreamHttpProtocol
{
    /// <summary>HTTP/1.1 (Envoy's default when no protocol options are set).</summary>
    Http1,
    Http2,

    /// <summary><c>use_downstream_protocol_config</c>: the downstream request's version.</summary>
    UseDownstream,
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

    /// <summary>The cluster picks the host itself (ORIGINAL_DST: the connection's original destination).</summary>
    ClusterProvided,
}
