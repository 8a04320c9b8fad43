using MeshProxy.Abstractions.LoadBalancing;

namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// The per-request flow of Envoy's ROUND_ROBIN, LEAST_REQUEST and RANDOM (<c>ZoneAwareLoadBalancerBase</c>): choose a
/// priority level and healthy-or-degraded with a random draw against the <see cref="PrioritySet"/> loads; a level in
/// panic picks among all its hosts; with locality-weighted balancing, choose a locality by effective weight first; then
/// the policy's <see cref="HostPicker"/> for that list of hosts picks. Every picker is built with the host set.
/// </summary>
internal sealed class PriorityLoadBalancer : ILoadBalancer
{
    private readonly PrioritySet _set;
    private readonly IRandom _random;
    private readonly Level[] _levels;
    private readonly HostPicker? _only;

    /// <param name="set">The hosts and loads.</param>
    /// <param name="createPicker">The policy: a picker over a non-empty host list.</param>
    /// <param name="random">For the priority draw.</param>
    public PriorityLoadBalancer(PrioritySet set, Func<UpstreamHost[], HostPicker> createPicker, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(createPicker);
        _set = set;
        _random = random;
        _levels = new Level[set.Levels.Length];
        for (var p = 0; p < _levels.Length; p++)
        {
            _levels[p] = new Level(set.Levels[p], set.Panic[p], set.HealthyLoad[p] > 0, set.DegradedLoad[p] > 0, createPicker);
        }

        // The common case, one level that takes everything and no locality step, skips the priority draw.
        if (_levels.Length == 1 && set.HealthyLoad[0] == 100 && _levels[0].HealthyLocalities is null)
        {
            _only = _levels[0].Panic ?? _levels[0].Healthy;
        }
    }

    public IUpstreamHost? Pick(in LoadBalancerContext context)
    {
        if (_only is not null)
        {
            return _only.Pick();
        }

        var (priority, degraded) = _set.ChoosePriority(_random.NextUInt64());
        return _levels[priority].Pick(degraded);
    }

    private sealed class Level
    {
        public Level(PriorityLevel level, bool panic, bool healthyLoad, bool degradedLoad, Func<UpstreamHost[], HostPicker> createPicker)
        {
            if (panic)
            {
                Panic = Create(level.Hosts, createPicker);
                return;
            }

            Healthy = healthyLoad ? Create(level.Healthy, createPicker) : null;
            Degraded = degradedLoad ? Create(level.Degraded, createPicker) : null;
            if (level.Localities.Length == 0)
            {
                return;
            }

            if (healthyLoad && LocalityScheduler.Create(level.HealthyLocalityWeights) is { } healthy)
            {
                HealthyLocalities = healthy;
                HealthyPerLocality = [.. level.Localities.Select(l => Create(l.Healthy, createPicker))];
            }

            if (degradedLoad && LocalityScheduler.Create(level.DegradedLocalityWeights) is { } degraded)
            {
                DegradedLocalities = degraded;
                DegradedPerLocality = [.. level.Localities.Select(l => Create(l.Degraded, createPicker))];
            }
        }

        public HostPicker? Panic { get; }

        public HostPicker? Healthy { get; }

        public HostPicker? Degraded { get; }

        public LocalityScheduler? HealthyLocalities { get; }

        public HostPicker?[]? HealthyPerLocality { get; }

        public LocalityScheduler? DegradedLocalities { get; }

        public HostPicker?[]? DegradedPerLocality { get; }

        public UpstreamHost? Pick(bool degraded)
        {
            if (Panic is not null)
            {
                return Panic.Pick();
            }

            var (localities, perLocality, whole) = degraded
                ? (DegradedLocalities, DegradedPerLocality, Degraded)
                : (HealthyLocalities, HealthyPerLocality, Healthy);
            if (localities is not null && perLocality![localities.Next()] is { } inLocality)
            {
                return inLocality.Pick();
            }

            return whole?.Pick();
        }

        private static HostPicker? Create(UpstreamHost[] hosts, Func<UpstreamHost[], HostPicker> createPicker) =>
            hosts.Length == 0 ? null : createPicker(hosts);
    }
}
