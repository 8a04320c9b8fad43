using System.Net;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Upstream;

public sealed class WeightedRoundRobinLoadBalancerTests
{
    [Fact(Timeout = 10_000)]
    public async Task Pick_WeightsThreeToOne_Exactly300And100Over400Picks()
    {
        await Task.Yield();
        var a = Host(1, weight: 3);
        var b = Host(2, weight: 1);
        var balancer = new WeightedRoundRobinLoadBalancer([a, b]);

        var picks = Enumerable.Range(0, 400).Select(_ => balancer.Pick(LoadBalancerContext.None)).ToList();

        Assert.Equal(300, picks.Count(p => ReferenceEquals(p, a)));
        Assert.Equal(100, picks.Count(p => ReferenceEquals(p, b)));
        // Smooth: every window of 4 picks holds exactly three a and one b.
        for (var i = 0; i + 4 <= picks.Count; i += 4)
        {
            Assert.Equal(1, picks.Skip(i).Take(4).Count(p => ReferenceEquals(p, b)));
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task Pick_EqualWeights_RotatesThroughAll()
    {
        await Task.Yield();
        var hosts = new[] { Host(1), Host(2), Host(3) };
        var balancer = new WeightedRoundRobinLoadBalancer(hosts);

        var picks = Enumerable.Range(0, 300).Select(_ => balancer.Pick(LoadBalancerContext.None)).ToList();

        Assert.All(hosts, h => Assert.Equal(100, picks.Count(p => ReferenceEquals(p, h))));
    }

    [Fact(Timeout = 10_000)]
    public async Task Pick_NoHosts_ReturnsNull()
    {
        await Task.Yield();
        Assert.Null(new WeightedRoundRobinLoadBalancer([]).Pick(LoadBalancerContext.None));
    }

    [Fact(Timeout = 10_000)]
    public async Task Cluster_UnhealthyDrainingTimeoutHosts_AreSkipped()
    {
        await Task.Yield();
        var cluster = new Cluster(
            Config(
                ProxyConfigs.Endpoint(Ep(1), health: EndpointHealth.Unhealthy),
                ProxyConfigs.Endpoint(Ep(2), health: EndpointHealth.Draining),
                ProxyConfigs.Endpoint(Ep(3), health: EndpointHealth.Timeout),
                ProxyConfigs.Endpoint(Ep(4), health: EndpointHealth.Healthy),
                ProxyConfigs.Endpoint(Ep(5), health: EndpointHealth.Unknown)),
            new StatsStore());

        var picked = Enumerable.Range(0, 10).Select(_ => cluster.PickHost(LoadBalancerContext.None)!.EndPoint.Port).ToHashSet();

        Assert.Equal([4, 5], picked.Order());
    }

    [Fact(Timeout = 10_000)]
    public async Task Cluster_HealthyHostsInTwoPriorities_OnlyLowestNumberedServes()
    {
        await Task.Yield();
        var cluster = new Cluster(
            Config(
                ProxyConfigs.Endpoint(Ep(1), priority: 1),
                ProxyConfigs.Endpoint(Ep(2), priority: 0, health: EndpointHealth.Unhealthy),
                ProxyConfigs.Endpoint(Ep(3), priority: 1),
                ProxyConfigs.Endpoint(Ep(4), priority: 2)),
            new StatsStore());

        var picked = Enumerable.Range(0, 10).Select(_ => cluster.PickHost(LoadBalancerContext.None)!.EndPoint.Port).ToHashSet();

        Assert.Equal([1, 3], picked.Order());
    }

    [Fact(Timeout = 10_000)]
    public async Task Cluster_NoHealthyHost_PickReturnsNull()
    {
        await Task.Yield();
        var cluster = new Cluster(Config(ProxyConfigs.Endpoint(Ep(1), health: EndpointHealth.Unhealthy)), new StatsStore());

        Assert.Null(cluster.PickHost(LoadBalancerContext.None));
    }

    private static IPEndPoint Ep(int port) => new(IPAddress.Loopback, port);

    private static UpstreamHost Host(int port, uint weight = 1) =>
        new(ProxyConfigs.Endpoint(Ep(port), weight));

    private static ClusterConfig Config(params EndpointConfig[] endpoints) =>
        new("c", ClusterDiscoveryType.Static, TimeSpan.FromSeconds(1), LbPolicy.RoundRobin, [.. endpoints], 0);
}
