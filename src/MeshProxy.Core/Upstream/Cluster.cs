using System.Collections.Immutable;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// Runtime form of a <see cref="ClusterConfig"/>. Everything but the host set is immutable; a config change builds a
/// new Cluster, and connections opened through an old one keep it. The host set (hosts plus load balancer) is one
/// volatile snapshot that DNS refreshes swap whole. ORIGINAL_DST clusters have no host set: the host is the
/// connection's original destination (see <see cref="OriginalDstHosts"/>).
/// </summary>
/// <remarks>
/// Lifecycle, driven by <see cref="ClusterManager"/>: construct (STATIC/EDS hosts are known at once) ->
/// <see cref="StartAsync"/> (first DNS resolution, timers) -> <see cref="Activate"/> once the cluster is reachable
/// (publishes membership gauges and the circuit-breaker limit) -> <see cref="Dispose"/> when removed or replaced
/// (stops every timer; picks through it still work for whoever holds it).
/// </remarks>
internal sealed class Cluster : IDisposable
{
    private readonly Lock _membershipLock = new();
    private readonly DnsHostRefresher? _dns;
    private readonly OriginalDstHosts? _originalDst;
    private readonly IRandom _random;
    private volatile ClusterHostSet _hostSet;
    private bool _active;
    private int _tlsWarned;

    /// <summary>A standalone cluster with default services (tests, benchmarks).</summary>
    public Cluster(ClusterConfig config, StatsStore stats)
        : this(config, new ClusterStats(stats, config.Name), null, UpstreamServices.Default)
    {
    }

    /// <param name="config">The config it is built from; <see cref="ClusterManager"/> reuses the Cluster while the
    /// config object stays the same.</param>
    /// <param name="stats">The stats of the cluster name (shared with a predecessor).</param>
    /// <param name="breaker">The predecessor's circuit breaker, taken over (see <see cref="ConnectionCircuitBreaker"/>);
    /// null for a new name.</param>
    /// <param name="services">Resolver, clock and logger.</param>
    public Cluster(ClusterConfig config, ClusterStats stats, ConnectionCircuitBreaker? breaker, UpstreamServices services)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Stats = stats;
        ConnectTimeout = config.ConnectTimeout > TimeSpan.Zero ? config.ConnectTimeout : ClusterConfig.DefaultConnectTimeout;
        ConnectionOptions = new ConnectionOptions(config.PerConnectionBufferLimitBytes > 0
            ? config.PerConnectionBufferLimitBytes
            : ListenerConfig.DefaultPerConnectionBufferLimitBytes);
        MaxConnections = config.CircuitBreakers.DefaultPriority.MaxConnections;
        Connections = breaker ?? new ConnectionCircuitBreaker(MaxConnections, stats.CircuitBreakerDefaultCxOpen);
        _random = services.Random;
        switch (config.DiscoveryType)
        {
            case ClusterDiscoveryType.StrictDns or ClusterDiscoveryType.LogicalDns:
                _hostSet = ClusterHostSet.Empty;
                _dns = new DnsHostRefresher(this, config, services);
                break;
            case ClusterDiscoveryType.OriginalDst:
                _hostSet = ClusterHostSet.Empty;
                _originalDst = new OriginalDstHosts(this, config, services.TimeProvider);
                break;
            default:
                _hostSet = BuildHostSet(config.Endpoints);
                break;
        }
    }

    public ClusterConfig Config { get; }

    public string Name => Config.Name;

    public ClusterStats Stats { get; }

    public TimeSpan ConnectTimeout { get; }

    public ConnectionOptions ConnectionOptions { get; }

    /// <summary>The cluster's transport socket asks for TLS: connecting must fail rather than send plaintext.</summary>
    public bool RequiresTls => Config.RequiresTls;

    /// <summary>DEFAULT-priority <c>max_connections</c> of this config.</summary>
    public uint MaxConnections { get; }

    /// <summary>The connection circuit breaker, shared with the cluster's predecessors and successors of the same name.</summary>
    public ConnectionCircuitBreaker Connections { get; }

    /// <summary>Every host now, whatever its priority or health (for ORIGINAL_DST: the cached original destinations).</summary>
    public IReadOnlyList<UpstreamHost> Hosts => _originalDst?.Hosts ?? _hostSet.Hosts;

    /// <summary>The current host set's balancer; ORIGINAL_DST picks without one (see <see cref="PickHost"/>).</summary>
    public ILoadBalancer LoadBalancer => _hostSet.LoadBalancer;

    /// <summary>ORIGINAL_DST's host cache, null for other discovery types.</summary>
    internal OriginalDstHosts? OriginalDst => _originalDst;

    public UpstreamHost? PickHost(in LoadBalancerContext context) =>
        _originalDst is { } originalDst
            ? originalDst.Pick(context.OriginalDestination)
            : (UpstreamHost?)_hostSet.LoadBalancer.Pick(context);

    /// <summary>Starts DNS resolution and cleanup timers; completes when the first host set is known.</summary>
    public Task StartAsync()
    {
        _originalDst?.Start();
        return _dns?.StartAsync() ?? Task.CompletedTask;
    }

    /// <summary>The cluster is now the one its name resolves to: publish its limit and membership.</summary>
    public void Activate()
    {
        Connections.Max = MaxConnections;
        lock (_membershipLock)
        {
            _active = true;
            PublishMembership();
        }
    }

    /// <summary>A host set of these endpoints under this cluster's balancing policy (DNS results, the config's own).</summary>
    public ClusterHostSet BuildHostSet(ImmutableArray<EndpointConfig> endpoints) => ClusterHostSet.Build(Config, endpoints, _random);

    /// <summary>Swaps in a new host set (DNS refresh).</summary>
    public void UpdateHosts(ClusterHostSet hostSet)
    {
        lock (_membershipLock)
        {
            _hostSet = hostSet;
            if (_active)
            {
                PublishMembership();
            }
        }
    }

    /// <summary>ORIGINAL_DST added or dropped hosts.</summary>
    public void OnMembershipChanged()
    {
        lock (_membershipLock)
        {
            if (_active)
            {
                PublishMembership();
            }
        }
    }

    /// <summary>True for the first caller only: the TLS-unsupported warning is logged once per cluster.</summary>
    public bool TakeTlsWarning() => Interlocked.Exchange(ref _tlsWarned, 1) == 0;

    /// <summary>Stops DNS refreshes and ORIGINAL_DST cleanup; membership gauges are no longer written by this object.</summary>
    public void Dispose()
    {
        lock (_membershipLock)
        {
            _active = false;
        }

        _dns?.Dispose();
        _originalDst?.Dispose();
    }

    private void PublishMembership()
    {
        if (_originalDst is { } originalDst)
        {
            var count = originalDst.Count;
            Stats.MembershipTotal.Set(count);
            Stats.MembershipHealthy.Set(count);
            return;
        }

        var hostSet = _hostSet;
        Stats.MembershipTotal.Set(hostSet.Total);
        Stats.MembershipHealthy.Set(hostSet.Healthy);
    }
}
