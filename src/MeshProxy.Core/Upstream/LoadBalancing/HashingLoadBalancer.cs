using MeshProxy.Abstractions.LoadBalancing;

namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// The per-request flow of Envoy's RING_HASH and MAGLEV (<c>ThreadAwareLoadBalancerBase</c>): the request's hash
/// (<see cref="LoadBalancerContext.HashKey"/>, or a random value when the route gives none, as Envoy does) chooses the
/// priority level (<c>hash % 100</c> against the loads) and then the host in that level's table. A level's table holds
/// its healthy hosts, or all of them in panic; with locality-weighted balancing a host's share is its weight within
/// its locality times the locality's share of the level's locality weights.
/// </summary>
/// <remarks>
/// Deviation: Envoy's hashing balancers only ever hash over a level's healthy hosts, so load assigned to a level's
/// degraded hosts finds no host there; here such load goes to a second table of that level's degraded hosts.
/// </remarks>
internal sealed class HashingLoadBalancer : ILoadBalancer
{
    private readonly PrioritySet _set;
    private readonly IRandom _random;
    private readonly HashTable?[] _healthy;
    private readonly HashTable?[] _degraded;
    private readonly HashTable? _only;

    /// <param name="set">The hosts and loads.</param>
    /// <param name="createTable">The policy: a table over a non-empty list of hosts whose shares sum to 1.</param>
    /// <param name="random">The hash of requests without a hash key.</param>
    public HashingLoadBalancer(PrioritySet set, Func<IReadOnlyList<WeightedHost>, HashTable> createTable, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(createTable);
        _set = set;
        _random = random;
        _healthy = new HashTable?[set.Levels.Length];
        _degraded = new HashTable?[set.Levels.Length];
        for (var p = 0; p < set.Levels.Length; p++)
        {
            var level = set.Levels[p];
            if (set.Panic[p])
            {
                _healthy[p] = _degraded[p] = Create(Normalize(level, l => l.Hosts), createTable);
                continue;
            }

            _healthy[p] = set.HealthyLoad[p] > 0 ? Create(Normalize(level, l => l.Healthy), createTable) : null;
            _degraded[p] = set.DegradedLoad[p] > 0 ? Create(Normalize(level, l => l.Degraded), createTable) : null;
        }

        if (set.Levels.Length == 1 && set.HealthyLoad[0] == 100)
        {
            _only = _healthy[0];
        }
    }

    public IUpstreamHost? Pick(in LoadBalancerContext context)
    {
        var hash = context.HashKey ?? _random.NextUInt64();
        if (_only is not null)
        {
            return _only.Pick(hash);
        }

        var (priority, degraded) = _set.ChoosePriority(hash);
        return (degraded ? _degraded : _healthy)[priority]?.Pick(hash);
    }

    /// <summary>Envoy's <c>normalizeWeights</c>: shares that sum to 1 over a level (or over its weighted localities).</summary>
    internal static List<WeightedHost> Normalize(PriorityLevel level, Func<LocalityHosts, UpstreamHost[]> eligible)
    {
        var result = new List<WeightedHost>();
        if (level.Localities.Length == 0)
        {
            AddShares(result, eligible(new LocalityHosts(string.Empty, 0, level.Hosts, level.Healthy, level.Degraded)), 1.0);
            return result;
        }

        var localityTotal = level.Localities.Sum(l => (double)l.Weight);
        if (localityTotal == 0)
        {
            return result;
        }

        foreach (var locality in level.Localities)
        {
            if (locality.Weight > 0)
            {
                AddShares(result, eligible(locality), locality.Weight / localityTotal);
            }
        }

        return result;
    }

    private static void AddShares(List<WeightedHost> result, UpstreamHost[] hosts, double localityShare)
    {
        var total = hosts.Sum(h => (double)h.Weight);
        foreach (var host in hosts)
        {
            result.Add(new WeightedHost(host, host.Weight * localityShare / total));
        }
    }

    private static HashTable? Create(List<WeightedHost> hosts, Func<IReadOnlyList<WeightedHost>, HashTable> createTable) =>
        hosts.Count == 0 ? null : createTable(hosts);
}
