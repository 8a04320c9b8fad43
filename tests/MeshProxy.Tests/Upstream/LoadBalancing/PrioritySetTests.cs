using MeshProxy.Core.Config;
using MeshProxy.Core.Upstream;
using MeshProxy.Core.Upstream.LoadBalancing;
using static MeshProxy.Tests.Upstream.LoadBalancing.LbHosts;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class PrioritySetTests
{
    private const EndpointHealth Bad = EndpointHealth.Unhealthy;
    private const EndpointHealth Slow = EndpointHealth.Degraded;

    [Fact]
    public void Build_AllHealthy_P0TakesEverything()
    {
        var set = Priorities(Endpoint(0), Endpoint(1), Endpoint(2, priority: 1));

        Assert.Equal([100, 0], set.HealthyLoad);
        Assert.Equal([false, false], set.Panic);
    }

    [Fact]
    public void Build_P0HalfHealthy_SeventyPercentStaysAndThirtySpillsToP1()
    {
        // 140 x 2/4 = 70: P0 can take 70% at the default overprovisioning factor of 1.4.
        var set = Priorities(Endpoint(0), Endpoint(1), Endpoint(2, health: Bad), Endpoint(3, health: Bad), Endpoint(4, priority: 1), Endpoint(5, priority: 1));

        Assert.Equal([70, 30], set.HealthyLoad);
        Assert.Equal([false, false], set.Panic);
    }

    [Fact]
    public void Pick_P0HalfHealthy_SeventyThirtySplitOverHealthyHostsOnly()
    {
        var hostSet = Build(Config(
            LbPolicy.RoundRobin,
            Endpoint(0), Endpoint(1), Endpoint(2, health: Bad), Endpoint(3, health: Bad), Endpoint(4, priority: 1), Endpoint(5, priority: 1)));

        var counts = CountByIndex(hostSet, 6, 100_000);

        Assert.InRange(counts[0] + counts[1], 69_000, 71_000);
        Assert.Equal(0, counts[2] + counts[3]);
        Assert.InRange(counts[4] + counts[5], 29_000, 31_000);
    }

    [Fact]
    public void Build_FactorOnCluster_ChangesTheSpill()
    {
        var config = Config(LbPolicy.RoundRobin, Endpoint(0), Endpoint(1, health: Bad), Endpoint(2, priority: 1)) with { OverprovisioningFactor = 100 };

        Assert.Equal([50, 50], Build(config).Priorities!.HealthyLoad);
    }

    [Fact]
    public void Build_HealthyShortfall_DegradedHostsTakeTheRest()
    {
        // Healthy 140 x 2/4 = 70, degraded 140 x 2/4 = 70: degraded hosts take the 30% the healthy ones cannot.
        var set = Priorities(Endpoint(0), Endpoint(1), Endpoint(2, health: Slow), Endpoint(3, health: Slow));

        Assert.Equal([70], set.HealthyLoad);
        Assert.Equal([30], set.DegradedLoad);
    }

    [Fact]
    public void Build_EnvoysWorkedExample_LoadScaledByTotalAvailability()
    {
        // Envoy's load_balancer_impl.cc example: health 10/20/10 and degraded 20/10/0 give 16/28/14 healthy and 28/14/0
        // degraded load (the rounding rest of 2 goes to the first healthy level). Each level has 14 hosts; panic off.
        var endpoints = new List<EndpointConfig>();
        var index = 0;
        foreach (var (priority, healthy, degraded) in new[] { (0u, 1, 2), (1u, 2, 1), (2u, 1, 0) })
        {
            for (var i = 0; i < 14; i++)
            {
                var health = i < healthy ? EndpointHealth.Healthy : i < healthy + degraded ? Slow : Bad;
                endpoints.Add(Endpoint(index++, health: health, priority: priority));
            }
        }

        var set = Build(Config(LbPolicy.RoundRobin, [.. endpoints]) with { HealthyPanicThreshold = 0 }).Priorities!;

        Assert.Equal([16, 28, 14], set.HealthyLoad);
        Assert.Equal([28, 14, 0], set.DegradedLoad);
    }

    [Fact]
    public void Pick_BelowPanicThreshold_AllHostsOfTheLevelWhateverTheirHealth()
    {
        var hostSet = Build(Config(LbPolicy.RoundRobin, Endpoint(0), Endpoint(1, health: Bad), Endpoint(2, health: Bad), Endpoint(3, health: EndpointHealth.Draining)));

        var counts = CountByIndex(hostSet, 4, 4_000);

        Assert.Equal([true], hostSet.Priorities!.Panic);
        Assert.All(counts, c => Assert.Equal(1_000, c));
    }

    [Fact]
    public void Pick_PanicThresholdZero_OnlyHealthyHosts()
    {
        var config = Config(LbPolicy.RoundRobin, Endpoint(0), Endpoint(1, health: Bad), Endpoint(2, health: Bad)) with { HealthyPanicThreshold = 0 };

        var counts = CountByIndex(Build(config), 3, 1_000);

        Assert.Equal([1_000, 0, 0], counts);
    }

    [Fact]
    public void Pick_NothingAvailableAndPanicDisabled_NoHost()
    {
        var config = Config(LbPolicy.RoundRobin, Endpoint(0, health: Bad)) with { HealthyPanicThreshold = 0 };

        Assert.Null(Build(config).LoadBalancer.Pick(default));
    }

    [Fact]
    public void Build_EveryLevelInPanic_LoadByHostCount()
    {
        var set = Priorities(
            Endpoint(0, health: Bad), Endpoint(1, health: Bad), Endpoint(2, health: Bad), Endpoint(3, health: Bad),
            Endpoint(4, priority: 1, health: Bad));

        Assert.Equal([true, true], set.Panic);
        Assert.Equal([80, 20], set.HealthyLoad);
    }

    [Fact]
    public void Build_TotalAvailabilityFull_NoLevelPanicsEvenIfOneIsEmptyOfHealthyHosts()
    {
        var set = Priorities(Endpoint(0, health: Bad), Endpoint(1, priority: 1));

        Assert.Equal([false, false], set.Panic);
        Assert.Equal([0, 100], set.HealthyLoad);
    }

    [Fact]
    public void ChoosePriority_HashModulo100_AgainstRunningSums()
    {
        var set = Priorities(Endpoint(0), Endpoint(1), Endpoint(2, health: Bad), Endpoint(3, health: Bad), Endpoint(4, priority: 1));

        Assert.Equal((0, false), set.ChoosePriority(69));
        Assert.Equal((1, false), set.ChoosePriority(70));
        Assert.Equal((0, false), set.ChoosePriority(100));
    }

    private static PrioritySet Priorities(params EndpointConfig[] endpoints) =>
        PrioritySet.Build([.. endpoints.Select(e => new UpstreamHost(e))], EndpointSetConfig.DefaultOverprovisioningFactor, ClusterConfig.DefaultHealthyPanicThreshold, false);
}
