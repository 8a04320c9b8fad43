namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// A cluster's hosts by priority with Envoy's load split between the levels (<c>LoadBalancerBase</c>), computed once
/// per host set:
/// <list type="bullet">
/// <item>health of a level = min(100, factor x healthy / hosts) and degraded availability likewise, with the
/// overprovisioning factor in percent (140 by default): a level with at least 1/1.4 of its hosts healthy takes all
/// the traffic it is offered;</item>
/// <item>the 100% of load goes to the levels in order, each taking health x 100 / normalized total (the total of all
/// healths and degraded availabilities, capped at 100), healthy shares first, then degraded shares, any rounding rest
/// to the first level with availability: so a level that is not fully available spills the remainder to the next;</item>
/// <item>a level is in panic when its healthy plus degraded percentage is under the panic threshold (50% by default),
/// unless the normalized total is 100; in panic its load goes to all its hosts whatever their health; when every
/// level is in panic, load is split by host counts instead.</item>
/// </list>
/// Levels run from priority 0 to the highest present; a level no endpoint names stays empty (Envoy keeps such gaps).
/// </summary>
internal sealed class PrioritySet
{
    private PrioritySet(PriorityLevel[] levels, int[] healthyLoad, int[] degradedLoad, bool[] panic)
    {
        Levels = levels;
        HealthyLoad = healthyLoad;
        DegradedLoad = degradedLoad;
        Panic = panic;
    }

    public PriorityLevel[] Levels { get; }

    /// <summary>Percent of requests sent to each level's healthy hosts (all hosts when the level is in panic).</summary>
    public int[] HealthyLoad { get; }

    /// <summary>Percent of requests sent to each level's degraded hosts.</summary>
    public int[] DegradedLoad { get; }

    public bool[] Panic { get; }

    /// <param name="hosts">Every host of the cluster, in endpoint order.</param>
    /// <param name="overprovisioningFactor">Percent (Envoy's <c>overprovisioning_factor</c>, 140 by default).</param>
    /// <param name="panicThreshold">Percent (Envoy's <c>healthy_panic_threshold</c>, 50 by default); 0 disables panic.</param>
    /// <param name="localityWeighted">Envoy's <c>locality_weighted_lb_config</c> is set.</param>
    public static PrioritySet Build(IReadOnlyList<UpstreamHost> hosts, uint overprovisioningFactor, uint panicThreshold, bool localityWeighted)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var levelCount = hosts.Count == 0 ? 1 : (int)hosts.Max(h => h.Config.Priority) + 1;
        var levels = new PriorityLevel[levelCount];
        for (var p = 0; p < levelCount; p++)
        {
            var inLevel = hosts.Where(h => h.Config.Priority == (uint)p).ToArray();
            var localities = inLevel
                .GroupBy(h => h.Config.Locality, StringComparer.Ordinal)
                .Select(g => new LocalityHosts(
                    g.Key,
                    g.First().Config.LocalityWeight ?? 0,
                    [.. g],
                    [.. g.Where(h => h.IsHealthy)],
                    [.. g.Where(h => h.IsDegraded)]))
                .ToArray();
            levels[p] = new PriorityLevel(inLevel, localities, localityWeighted, overprovisioningFactor);
        }

        var health = new int[levelCount];
        var degraded = new int[levelCount];
        for (var p = 0; p < levelCount; p++)
        {
            var level = levels[p];
            if (level.Hosts.Length > 0)
            {
                health[p] = (int)Math.Min(100, overprovisioningFactor * (ulong)level.Healthy.Length / (ulong)level.Hosts.Length);
                degraded[p] = (int)Math.Min(100, overprovisioningFactor * (ulong)level.Degraded.Length / (ulong)level.Hosts.Length);
            }
        }

        var healthyLoad = new int[levelCount];
        var degradedLoad = new int[levelCount];
        var total = Math.Min(100, health.Sum() + degraded.Sum());
        if (total > 0)
        {
            var (firstHealthy, rest) = Distribute(healthyLoad, health, 100, total);
            (var firstDegraded, rest) = Distribute(degradedLoad, degraded, rest, total);
            if (rest > 0)
            {
                if (firstHealthy >= 0)
                {
                    healthyLoad[firstHealthy] += rest;
                }
                else
                {
                    degradedLoad[firstDegraded] += rest;
                }
            }
        }

        var panic = new bool[levelCount];
        if (panicThreshold == 0 && total == 0)
        {
            // Nothing available and panic disabled: the loads must still add up to 100; P0 has no host to give.
            healthyLoad[0] = 100;
            return new PrioritySet(levels, healthyLoad, degradedLoad, panic);
        }

        var totalPanic = true;
        for (var p = 0; p < levelCount; p++)
        {
            panic[p] = total != 100 && InPanic(levels[p], Math.Min(100, panicThreshold));
            totalPanic &= panic[p];
        }

        if (totalPanic)
        {
            SplitByHostCount(levels, healthyLoad, degradedLoad);
        }

        return new PrioritySet(levels, healthyLoad, degradedLoad, panic);
    }

    /// <summary>
    /// Envoy's <c>choosePriority</c>: <c>hash % 100 + 1</c> against the running sum of the healthy loads, then of the
    /// degraded loads.
    /// </summary>
    public (int Priority, bool Degraded) ChoosePriority(ulong hash)
    {
        var point = (int)(hash % 100) + 1;
        var sum = 0;
        for (var p = 0; p < HealthyLoad.Length; p++)
        {
            sum += HealthyLoad[p];
            if (point <= sum)
            {
                return (p, false);
            }
        }

        for (var p = 0; p < DegradedLoad.Length; p++)
        {
            sum += DegradedLoad[p];
            if (point <= sum)
            {
                return (p, true);
            }
        }

        return (0, false);
    }

    private static (int FirstAvailable, int Remaining) Distribute(int[] load, int[] availability, int totalLoad, int normalizedTotal)
    {
        var first = -1;
        for (var p = 0; p < availability.Length; p++)
        {
            if (first < 0 && availability[p] > 0)
            {
                first = p;
            }

            load[p] = Math.Min(totalLoad, availability[p] * 100 / normalizedTotal);
            totalLoad -= load[p];
        }

        return (first, totalLoad);
    }

    private static bool InPanic(PriorityLevel level, uint threshold)
    {
        if (level.Hosts.Length == 0)
        {
            return threshold > 0;
        }

        var healthyPercent = 100.0 * level.Healthy.Length / level.Hosts.Length;
        var degradedPercent = 100.0 * level.Degraded.Length / level.Hosts.Length;
        return healthyPercent + degradedPercent < threshold;
    }

    private static void SplitByHostCount(PriorityLevel[] levels, int[] healthyLoad, int[] degradedLoad)
    {
        Array.Clear(degradedLoad);
        var totalHosts = levels.Sum(l => l.Hosts.Length);
        if (totalHosts == 0)
        {
            Array.Clear(healthyLoad);
            healthyLoad[0] = 100;
            return;
        }

        var rest = 100;
        var firstNonEmpty = -1;
        for (var p = 0; p < levels.Length; p++)
        {
            if (firstNonEmpty < 0 && levels[p].Hosts.Length > 0)
            {
                firstNonEmpty = p;
            }

            healthyLoad[p] = 100 * levels[p].Hosts.Length / totalHosts;
            rest -= healthyLoad[p];
        }

        healthyLoad[firstNonEmpty] += rest;
    }
}
