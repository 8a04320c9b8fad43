using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;
using MeshProxy.Tests.Support;
using static MeshProxy.Tests.Upstream.LoadBalancing.LbHosts;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class ClusterLoadBalancingTests
{
    public static TheoryData<LbPolicy> Policies => [LbPolicy.RoundRobin, LbPolicy.LeastRequest, LbPolicy.Random, LbPolicy.RingHash, LbPolicy.Maglev];

    [Theory]
    [MemberData(nameof(Policies))]
    public void PickHost_UnhealthyDrainingTimeoutHosts_NeverPicked(LbPolicy policy)
    {
        var cluster = new Cluster(
            Config(
                policy,
                Endpoint(0, health: EndpointHealth.Unhealthy),
                Endpoint(1, health: EndpointHealth.Draining),
                Endpoint(2, health: EndpointHealth.Timeout),
                Endpoint(3, health: EndpointHealth.Healthy),
                Endpoint(4, health: EndpointHealth.Unknown),
                Endpoint(5),
                Endpoint(6)),
            new StatsStore());

        var picked = Enumerable.Range(0, 200).Select(_ => IndexOf(cluster.PickHost(LoadBalancerContext.None)!.EndPoint)).ToHashSet();

        Assert.Equal([3, 4, 5, 6], picked.Order());
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void PickHost_HealthyHostsInP1Only_P1Serves(LbPolicy policy)
    {
        var cluster = new Cluster(
            Config(policy, Endpoint(0, priority: 1), Endpoint(1, priority: 0, health: EndpointHealth.Unhealthy), Endpoint(2, priority: 1), Endpoint(3, priority: 2)),
            new StatsStore());

        var picked = Enumerable.Range(0, 200).Select(_ => IndexOf(cluster.PickHost(LoadBalancerContext.None)!.EndPoint)).ToHashSet();

        Assert.Equal([0, 2], picked.Order());
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void PickHost_NoEndpoints_Null(LbPolicy policy) =>
        Assert.Null(new Cluster(Config(policy), new StatsStore()).PickHost(LoadBalancerContext.None));

    [Theory]
    [InlineData(LbPolicy.RingHash)]
    [InlineData(LbPolicy.Maglev)]
    public void Pick_SameHashKey_SameHostEveryTime(LbPolicy policy)
    {
        var hostSet = Build(Config(policy, [.. Enumerable.Range(0, 8).Select(i => Endpoint(i))]));

        foreach (var hash in HashTableTestData.RequestHashes(100))
        {
            var first = hostSet.LoadBalancer.Pick(new LoadBalancerContext(hash));
            Assert.All(Enumerable.Range(0, 5), _ => Assert.Same(first, hostSet.LoadBalancer.Pick(new LoadBalancerContext(hash))));
        }
    }

    [Theory]
    [InlineData(LbPolicy.RingHash)]
    [InlineData(LbPolicy.Maglev)]
    public void Pick_NoHashKey_RandomSpreadOverAllHosts(LbPolicy policy)
    {
        var hostSet = Build(Config(policy, [.. Enumerable.Range(0, 4).Select(i => Endpoint(i))]));

        var counts = CountByIndex(hostSet, 4, 40_000);

        Assert.All(counts, c => Assert.InRange(c, 8_500, 11_500));
    }

    [Fact]
    public void Pick_LeastRequestThroughCluster_AvoidsBusyHost()
    {
        var hostSet = Build(Config(LbPolicy.LeastRequest, Endpoint(0), Endpoint(1)));
        hostSet.Hosts[0].IncrementActiveRequests();

        var counts = CountByIndex(hostSet, 2, 10_000);

        Assert.InRange(counts[0], 2_300, 2_700);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Pick_AnyPolicyWithPrioritiesAndLocalities_AllocatesNothing(LbPolicy policy)
    {
        var config = Config(
            policy,
            Endpoint(0, weight: 2, locality: "x", localityWeight: 1),
            Endpoint(1, locality: "x", localityWeight: 1, health: EndpointHealth.Unhealthy),
            Endpoint(2, weight: 3, locality: "y", localityWeight: 2),
            Endpoint(3, locality: "y", localityWeight: 2, health: EndpointHealth.Degraded),
            Endpoint(4, priority: 1)) with { LocalityWeightedLb = true };
        var balancer = Build(config).LoadBalancer;
        var context = new LoadBalancerContext(12345);
        balancer.Pick(context);
        balancer.Pick(LoadBalancerContext.None);

        Assert.Equal(0, Allocations.Fewest(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                balancer.Pick(context);
                balancer.Pick(LoadBalancerContext.None);
            }
        }));
    }

    [Fact]
    public void Build_MembershipCounts_TotalAndHealthyOrUnknown()
    {
        var hostSet = Build(Config(LbPolicy.RoundRobin, Endpoint(0), Endpoint(1, health: EndpointHealth.Unknown), Endpoint(2, health: EndpointHealth.Degraded)));

        Assert.Equal(3, hostSet.Total);
        Assert.Equal(2, hostSet.Healthy);
    }
}
