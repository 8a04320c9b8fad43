using System.Collections.Immutable;
using System.Net;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Upstream;

public sealed class ClusterManagerTests
{
    private readonly StatsStore _stats = new();

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_SameConfigObjects_ReusesEveryCluster()
    {
        using var manager = Manager();
        ImmutableArray<ClusterConfig> configs = [Static("a", 1), Static("b", 2)];
        await manager.ApplyAsync(configs);
        Assert.True(manager.TryGet("a", out var a));
        Assert.True(manager.TryGet("b", out var b));

        await manager.ApplyAsync([configs[1], configs[0]]);

        Assert.True(manager.TryGet("a", out var a2));
        Assert.True(manager.TryGet("b", out var b2));
        Assert.Same(a, a2);
        Assert.Same(b, b2);
        Assert.Equal(2, Counter("cluster_manager.cluster_added"));
        Assert.Equal(0, Counter("cluster_manager.cluster_modified"));
        Assert.Equal(2, Gauge("cluster_manager.active_clusters"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_OneConfigChanged_RebuildsOnlyThatCluster()
    {
        using var manager = Manager();
        var a = Static("a", 1);
        await manager.ApplyAsync([a, Static("b", 2)]);
        manager.TryGet("a", out var oldA);
        manager.TryGet("b", out var oldB);

        var newB = Static("b", 3, 4);
        await manager.ApplyAsync([a, newB]);

        manager.TryGet("a", out var currentA);
        manager.TryGet("b", out var currentB);
        Assert.Same(oldA, currentA);
        Assert.NotSame(oldB, currentB);
        Assert.Same(newB, currentB!.Config);
        Assert.Same(oldB!.Stats, currentB.Stats);
        Assert.Same(oldB.Connections, currentB.Connections);
        Assert.Equal(1, Counter("cluster_manager.cluster_modified"));
        Assert.Equal(2, Gauge("cluster.b.membership_total"));
        // The old cluster still picks its own hosts for whoever holds it.
        Assert.Equal(2, oldB.PickHost(LoadBalancerContext.None)!.EndPoint.Port);
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_ClusterRemoved_DropsItAndZeroesItsMembership()
    {
        using var manager = Manager();
        var a = Static("a", 1);
        await manager.ApplyAsync([a, Static("b", 2, 3)]);
        Assert.Equal(2, Gauge("cluster.b.membership_total"));

        await manager.ApplyAsync([a]);

        Assert.False(manager.TryGet("b", out _));
        Assert.True(manager.TryGet("a", out _));
        Assert.Equal(0, Gauge("cluster.b.membership_total"));
        Assert.Equal(0, Gauge("cluster.b.membership_healthy"));
        Assert.Equal(1, Counter("cluster_manager.cluster_removed"));
        Assert.Equal(1, Gauge("cluster_manager.active_clusters"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_DuplicateName_ThrowsAndKeepsTheLiveSet()
    {
        using var manager = Manager();
        var a = Static("a", 1);
        await manager.ApplyAsync([a]);
        manager.TryGet("a", out var before);

        await Assert.ThrowsAsync<ArgumentException>(() => manager.ApplyAsync([Static("a", 2), Static("a", 3)]));
        await Assert.ThrowsAsync<ArgumentException>(() => manager.ApplyAsync([a, Static("c", 2), Static("c", 3)]));

        manager.TryGet("a", out var after);
        Assert.Same(before, after);
        Assert.False(manager.TryGet("c", out _));
        Assert.Equal(1, manager.Count);
        // A later good apply still works (duplicate detection marks leave nothing behind).
        await manager.ApplyAsync([a, Static("c", 2)]);
        Assert.Equal(2, manager.Count);
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_MembershipGauges_CountTotalAndHealthy()
    {
        using var manager = Manager();
        var config = Static("a", 1, 2, 3) with
        {
            Endpoints =
            [
                ProxyConfigs.Endpoint(Ep(1)),
                ProxyConfigs.Endpoint(Ep(2), health: EndpointHealth.Unhealthy),
                ProxyConfigs.Endpoint(Ep(3), health: EndpointHealth.Unknown),
            ],
        };

        await manager.ApplyAsync([config]);

        Assert.Equal(3, Gauge("cluster.a.membership_total"));
        Assert.Equal(2, Gauge("cluster.a.membership_healthy"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_ThousandClustersOneChanged_BuildsOneCluster()
    {
        using var manager = Manager();
        var configs = Enumerable.Range(0, 1000).Select(i => Static("c" + i, 1000 + i)).ToImmutableArray();
        await manager.ApplyAsync(configs);
        var before = configs.Select(c => { manager.TryGet(c.Name, out var cluster); return cluster; }).ToList();

        await manager.ApplyAsync(configs.SetItem(500, Static("c500", 7)));

        var rebuilt = configs.Where((c, i) => { manager.TryGet(c.Name, out var cluster); return !ReferenceEquals(cluster, before[i]); });
        Assert.Equal(["c500"], rebuilt.Select(c => c.Name));
        Assert.Equal(1000, Counter("cluster_manager.cluster_added"));
        Assert.Equal(1, Counter("cluster_manager.cluster_modified"));
    }

    [Fact(Timeout = 10_000)]
    public async Task CircuitBreaker_ReplacedCluster_KeepsCountAndTakesNewLimit()
    {
        using var manager = Manager();
        await manager.ApplyAsync([WithMaxConnections(Static("a", 1), 2)]);
        manager.TryGet("a", out var first);
        Assert.True(first!.Connections.TryAcquire());
        Assert.True(first.Connections.TryAcquire());
        Assert.False(first.Connections.TryAcquire());
        Assert.Equal(1, Gauge("cluster.a.circuit_breakers.default.cx_open"));

        await manager.ApplyAsync([WithMaxConnections(Static("a", 1), 3)]);
        manager.TryGet("a", out var second);

        Assert.NotSame(first, second);
        Assert.Equal(0, Gauge("cluster.a.circuit_breakers.default.cx_open"));
        Assert.True(second!.Connections.TryAcquire());
        Assert.False(second.Connections.TryAcquire());
        first.Connections.Release();
        Assert.Equal(0, Gauge("cluster.a.circuit_breakers.default.cx_open"));
        Assert.True(second.Connections.TryAcquire());
    }

    internal static ClusterConfig Static(string name, params int[] ports) => new(
        name,
        ClusterDiscoveryType.Eds,
        TimeSpan.FromSeconds(1),
        LbPolicy.RoundRobin,
        ports.Select(p => ProxyConfigs.Endpoint(Ep(p))).ToImmutableArray(),
        0);

    internal static ClusterConfig WithMaxConnections(ClusterConfig config, uint max) => config with
    {
        CircuitBreakers = CircuitBreakerConfig.Default with
        {
            DefaultPriority = CircuitBreakerThresholds.Default with { MaxConnections = max },
        },
    };

    private static IPEndPoint Ep(int port) => new(IPAddress.Loopback, port);

    private ClusterManager Manager() => new(_stats, Serilog.Core.Logger.None, new FakeDnsResolver());

    private long Counter(string name) => _stats.GetCounter(name).Value;

    private long Gauge(string name) => _stats.GetGauge(name).Value;
}
