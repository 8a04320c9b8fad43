using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using static MeshProxy.Tests.Upstream.LoadBalancing.LbHosts;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class LocalityWeightTests
{
    [Fact]
    public void Pick_LocalityWeightsOneToTwo_TrafficOneToTwo()
    {
        var hostSet = Build(Localities(LbPolicy.RoundRobin, healthyInX: 2));

        var counts = CountByIndex(hostSet, 4, 3_000);

        // The locality schedule is exact over 3 picks; inside a locality, round robin.
        Assert.Equal([500, 500, 1_000, 1_000], counts);
    }

    [Fact]
    public void Pick_LocalityWeightedLbOff_LocalityWeightsIgnored()
    {
        var hostSet = Build(Localities(LbPolicy.RoundRobin, healthyInX: 2) with { LocalityWeightedLb = false });

        Assert.Equal([750, 750, 750, 750], CountByIndex(hostSet, 4, 3_000));
    }

    [Fact]
    public void Pick_HalfOfLocalityUnhealthy_EffectiveWeightScaledByAvailability()
    {
        // X: weight 1 x min(1, 1.4 x 1/2) = 0.7 against Y's 2.
        var hostSet = Build(Localities(LbPolicy.Random, healthyInX: 1));

        var counts = CountByIndex(hostSet, 4, 27_000);

        Assert.InRange(counts[0], 6_900, 7_100);
        Assert.Equal(0, counts[1]);
        Assert.InRange(counts[2] + counts[3], 19_900, 20_100);
    }

    [Fact]
    public void Pick_LocalityWithoutWeight_TakesNoTraffic()
    {
        var config = Config(
            LbPolicy.RoundRobin,
            Endpoint(0, locality: "x", localityWeight: 1),
            Endpoint(1, locality: "y")) with { LocalityWeightedLb = true };

        Assert.Equal([100, 0], CountByIndex(Build(config), 2, 100));
    }

    [Fact]
    public void Pick_RingHashWithLocalityWeights_SharesFollowLocalities()
    {
        var hostSet = Build(Localities(LbPolicy.RingHash, healthyInX: 2) with { RingHashMinimumRingSize = 16_384 });
        var hashes = HashTableTestData.RequestHashes(30_000);

        var counts = CountByIndex(hostSet, 4, hashes.Length, i => new LoadBalancerContext(hashes[i]));

        Assert.InRange(counts[0] + counts[1], 9_500, 10_500);
        Assert.InRange(counts[2] + counts[3], 19_500, 20_500);
    }

    private static ClusterConfig Localities(LbPolicy policy, int healthyInX) =>
        Config(
            policy,
            Endpoint(0, locality: "x", localityWeight: 1),
            Endpoint(1, locality: "x", localityWeight: 1, health: healthyInX == 2 ? EndpointHealth.Healthy : EndpointHealth.Unhealthy),
            Endpoint(2, locality: "y", localityWeight: 2),
            Endpoint(3, locality: "y", localityWeight: 2)) with { LocalityWeightedLb = true };
}
