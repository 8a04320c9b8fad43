namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// The hosts of one priority (Envoy's <c>HostSet</c>): all of them, the healthy and the degraded ones, and, under
/// locality-weighted balancing, the same per locality with each locality's effective weight. Hosts reported unhealthy,
/// draining or timed out count in <see cref="Hosts"/> (they lower the level's health) but are only picked in panic.
/// </summary>
internal sealed class PriorityLevel
{
    public PriorityLevel(UpstreamHost[] hosts, LocalityHosts[] localities, bool localityWeighted, uint overprovisioningFactor)
    {
        Hosts = hosts;
        Healthy = [.. hosts.Where(h => h.IsHealthy)];
        Degraded = [.. hosts.Where(h => h.IsDegraded)];
        Localities = localityWeighted ? localities : [];
        HealthyLocalityWeights = [.. Localities.Select(l => EffectiveWeight(l, l.Healthy.Length, overprovisioningFactor))];
        DegradedLocalityWeights = [.. Localities.Select(l => EffectiveWeight(l, l.Degraded.Length, overprovisioningFactor))];
    }

    public UpstreamHost[] Hosts { get; }

    public UpstreamHost[] Healthy { get; }

    public UpstreamHost[] Degraded { get; }

    /// <summary>Localities in first-seen order; empty unless locality-weighted balancing is on.</summary>
    public LocalityHosts[] Localities { get; }

    /// <summary>Per locality: weight x min(1, factor x healthy / hosts), as Envoy's <c>effectiveLocalityWeight</c>.</summary>
    public double[] HealthyLocalityWeights { get; }

    /// <summary>The same with degraded hosts as the eligible ones.</summary>
    public double[] DegradedLocalityWeights { get; }

    private static double EffectiveWeight(LocalityHosts locality, int eligible, uint overprovisioningFactor)
    {
        if (locality.Hosts.Length == 0)
        {
            return 0;
        }

        var availability = Math.Min(1.0, overprovisioningFactor / 100.0 * eligible / locality.Hosts.Length);
        return locality.Weight * availability;
    }
}
