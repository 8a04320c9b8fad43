using System.Net;
using MeshProxy.Core.Config;
using MeshProxy.Core.Listeners;
using MeshProxy.Core.Stats;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.State;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;

namespace MeshProxy.Tests.Xds.State;

public sealed class XdsResourceStoreTests
{
    private static readonly IPEndPoint Host1 = new(IPAddress.Loopback, 9001);
    private static readonly IPEndPoint Host2 = new(IPAddress.Loopback, 9002);

    private readonly List<ProxyConfig> _applied = [];
    private readonly List<(string Type, string[] Names)> _subscriptions = [];
    private readonly StatsStore _stats = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private (string Listener, string Message)? _bindFailure;
    private string? _applyException;

    private XdsResourceStore NewStore(ProxyConfig? staticConfig = null, TimeSpan? warming = null)
    {
        var store = new XdsResourceStore(
            staticConfig ?? ProxyConfig.Empty,
            (config, _) =>
            {
                if (_applyException is not null)
                {
                    throw new InvalidOperationException(_applyException);
                }

                _applied.Add(config);
                return Task.FromResult(
                    _bindFailure is { } failure && config.Listeners.Any(l => l.Name == failure.Listener)
                        ? new ListenerApplyResult([new ListenerApplyFailure(failure.Listener, failure.Message)])
                        : ListenerApplyResult.Success);
            },
            _stats,
            Logger.None,
            new XdsStoreOptions { TimeProvider = _time, EndpointWarmingTimeout = warming ?? TimeSpan.Zero, RouteWarmingTimeout = warming ?? TimeSpan.Zero });
        store.SubscriptionSink = (type, names) => _subscriptions.Add((type, names.ToArray()));
        return store;
    }

    private long Counter(string name) => _stats.GetCounter(name).Value;

    [Fact]
    public async Task OnStateOfTheWorld_ValidListenersAndClusters_AppliesThemAndCountsSuccess()
    {
        var store = NewStore();

        Assert.Null(await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.StaticCluster("backend", Host1), "c1")], default));
        Assert.Null(await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "l1", [XdsProtos.Resource(XdsProtos.TcpListener("in", 15001, "backend"), "l1")], default));

        var config = _applied[^1];
        Assert.Equal("backend", Assert.Single(config.Clusters).Name);
        Assert.Equal("in", Assert.Single(config.Listeners).Name);
        Assert.Equal(1, Counter("cluster_manager.cds.update_success"));
        Assert.Equal(1, Counter("listener_manager.lds.update_success"));
        Assert.Equal(XdsStoreStats.VersionHash("l1"), _stats.GetGauge("listener_manager.lds.version").Value);
    }

    [Fact]
    public async Task OnStateOfTheWorld_OneInvalidListener_NacksNamingItAndAppliesTheOthers()
    {
        var store = NewStore();
        var bad = XdsProtos.TcpListener("bad", 15002, "backend");
        bad.Address.SocketAddress.PortValue = 70000;

        var nack = await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Listener, "v1", [XdsProtos.Resource(XdsProtos.TcpListener("good", 15001, "backend"), "v1"), XdsProtos.Resource(bad, "v1")], default);

        Assert.Equal("LDS 'bad': address.socket_address.port_value: 70000 is not a valid port (0-65535)", nack);
        Assert.Equal("good", Assert.Single(_applied[^1].Listeners).Name);
        Assert.Equal(1, Counter("listener_manager.lds.update_rejected"));
        Assert.Equal(0, Counter("listener_manager.lds.update_success"));
        var dump = store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener);
        Assert.Equal(string.Empty, dump.VersionInfo);
        Assert.Equal(nack, dump.LastRejection!.Details);
        Assert.Equal("v1", dump.LastRejection.Version);
    }

    [Fact]
    public async Task OnStateOfTheWorld_InvalidUpdateOfKnownListener_KeepsTheLastGoodVersion()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v1", [XdsProtos.Resource(XdsProtos.TcpListener("in", 15001, "a"), "v1")], default);
        var good = _applied[^1].Listeners.Single();
        var bad = XdsProtos.TcpListener("in", 15001, "b");
        bad.Address.SocketAddress.PortValue = 70000;

        var nack = await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v2", [XdsProtos.Resource(bad, "v2")], default);

        Assert.NotNull(nack);
        Assert.Same(good, _applied[^1].Listeners.Single());
        Assert.Equal("v1", store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener).VersionInfo);
    }

    [Fact]
    public async Task OnStateOfTheWorld_ListenerMissingFromResponse_IsRemoved()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Listener, "v1",
            [XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "v1"), XdsProtos.Resource(XdsProtos.TcpListener("b", 15002, "x"), "v1")], default);

        Assert.Null(await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v2", [XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "v2")], default));

        Assert.Equal(["a"], _applied[^1].Listeners.Select(l => l.Name));
    }

    [Fact]
    public async Task OnStateOfTheWorld_SameContentNewVersion_KeepsTheConfigObjects()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v1", [XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "v1")], default);
        var first = _applied[^1].Listeners.Single();

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v2", [XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "v2")], default);

        Assert.Same(first, _applied[^1].Listeners.Single());
        Assert.Equal("v2", store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener).Resources.Single().Version);
    }

    [Fact]
    public async Task OnStateOfTheWorld_TwoListenersOnOneAddress_RejectsTheNewcomer()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v1", [XdsProtos.Resource(XdsProtos.TcpListener("first", 15001, "x"), "v1")], default);

        var nack = await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Listener, "v2",
            [XdsProtos.Resource(XdsProtos.TcpListener("first", 15001, "x"), "v2"), XdsProtos.Resource(XdsProtos.TcpListener("second", 15001, "x"), "v2")], default);

        Assert.Equal("LDS 'second': address: 127.0.0.1:15001 is already used by listener 'first'", nack);
        Assert.Equal(["first"], _applied[^1].Listeners.Select(l => l.Name));
    }

    [Fact]
    public async Task OnStateOfTheWorld_DynamicClusterNamedLikeStaticOne_IsRejected()
    {
        var staticConfig = ProxyConfig.Empty with { Clusters = [new ClusterConfig("xds", ClusterDiscoveryType.Static, TimeSpan.FromSeconds(1), LbPolicy.RoundRobin, [], 0)] };
        var store = NewStore(staticConfig);

        var nack = await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "v1", [XdsProtos.Resource(XdsProtos.StaticCluster("xds", Host1), "v1")], default);

        Assert.Equal("CDS 'xds': name: 'xds' is a static resource of the bootstrap and cannot be replaced by xDS", nack);
    }

    [Fact]
    public async Task OnStateOfTheWorld_RuntimeCannotBindOneListener_NacksItAndKeepsTheOthers()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v1", [XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "v1")], default);
        _bindFailure = ("b", "listener 'b': cannot bind 127.0.0.1:15002: Address already in use");

        var nack = await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Listener, "v2",
            [
                XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "v2"),
                XdsProtos.Resource(XdsProtos.TcpListener("b", 15002, "x"), "v2"),
                XdsProtos.Resource(XdsProtos.TcpListener("c", 15003, "x"), "v2"),
            ],
            default);

        Assert.Equal("listener 'b': cannot bind 127.0.0.1:15002: Address already in use", nack);
        Assert.Equal(["a", "c"], store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener).Resources.Select(r => r.Name));
        Assert.Equal(["a", "c"], store.Current.Listeners.Select(l => l.Name));
        Assert.Equal(["a", "c"], _applied[^1].Listeners.Select(l => l.Name));
    }

    [Fact]
    public async Task OnStateOfTheWorld_RuntimeThrows_NacksAndForgetsTheWholeUpdate()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "v1", [XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "v1")], default);
        _applyException = "boom";

        var nack = await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Listener, "v2", [XdsProtos.Resource(XdsProtos.TcpListener("b", 15002, "x"), "v2")], default);

        Assert.Equal("boom", nack);
        Assert.Equal(["a"], store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener).Resources.Select(r => r.Name));
    }

    [Fact]
    public async Task OnUpdateRejected_ResponseTheClientNacked_CountsRejectedAndDumpsItKeepingTheVersion()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.StaticCluster("backend", Host1), "c1")], default);
        var applied = _applied.Count;

        await store.OnUpdateRejectedAsync(XdsTypeUrls.Cluster, "c2", "resources[1] 'backend': duplicate resource name in one response", default);

        Assert.Equal(1, Counter("cluster_manager.cds.update_rejected"));
        Assert.Equal(2, Counter("cluster_manager.cds.update_attempt"));
        Assert.Equal(1, Counter("cluster_manager.cds.update_success"));
        var dump = store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Cluster);
        Assert.Equal("c1", dump.VersionInfo);
        Assert.Equal(("c2", "resources[1] 'backend': duplicate resource name in one response"), (dump.LastRejection!.Version, dump.LastRejection.Details));
        Assert.Equal(applied, _applied.Count);
    }

    [Fact]
    public async Task OnDelta_AddsAndRemovesByName()
    {
        var store = NewStore();
        await store.OnDeltaAsync(
            XdsTypeUrls.Listener, "s1",
            [XdsProtos.Resource(XdsProtos.TcpListener("a", 15001, "x"), "a1"), XdsProtos.Resource(XdsProtos.TcpListener("b", 15002, "x"), "b1")], [], default);

        Assert.Null(await store.OnDeltaAsync(XdsTypeUrls.Listener, "s2", [XdsProtos.Resource(XdsProtos.TcpListener("c", 15003, "x"), "c1")], ["a"], default));

        Assert.Equal(["b", "c"], _applied[^1].Listeners.Select(l => l.Name));
        Assert.Equal(
            [("b", "b1"), ("c", "c1")],
            store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener).Resources.Select(r => (r.Name, r.Version)));
    }

    [Fact]
    public async Task OnStateOfTheWorld_EdsCluster_WarmsUntilItsEndpointsArrive()
    {
        var store = NewStore();

        Assert.Null(await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.EdsCluster("svc"), "c1")], default));

        Assert.Empty(_applied[^1].Clusters);
        AssertSubscribed(XdsTypeUrls.ClusterLoadAssignment, "svc");
        Assert.Equal(1, _stats.GetGauge("cluster_manager.warming_clusters").Value);
        Assert.Equal(XdsResourceStatus.Warming, store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Cluster).Resources.Single().Status);

        Assert.Null(await store.OnStateOfTheWorldAsync(XdsTypeUrls.ClusterLoadAssignment, "e1", [XdsProtos.Resource(XdsProtos.Assignment("svc", Host1, Host2), "e1")], default));

        var cluster = Assert.Single(_applied[^1].Clusters);
        Assert.Equal([Host1, Host2], cluster.Endpoints.Select(e => e.Address.ToEndPoint()));
        Assert.Equal(0, _stats.GetGauge("cluster_manager.warming_clusters").Value);
        Assert.Equal(1, Counter("cluster.svc.update_success"));
    }

    [Fact]
    public async Task OnStateOfTheWorld_EdsPolicy_OverprovisioningFactorReachesTheCluster()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.EdsCluster("svc"), "c1")], default);
        var assignment = XdsProtos.Assignment("svc", Host1);
        assignment.Policy = new Envoy.Config.Endpoint.V3.ClusterLoadAssignment.Types.Policy { OverprovisioningFactor = 100 };

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.ClusterLoadAssignment, "e1", [XdsProtos.Resource(assignment, "e1")], default);

        Assert.Equal(100u, Assert.Single(_applied[^1].Clusters).OverprovisioningFactor);
    }

    [Fact]
    public async Task OnStateOfTheWorld_UnrelatedEdsPush_KeepsOtherMergedClusterObjects()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.EdsCluster("a"), "c1"), XdsProtos.Resource(XdsProtos.EdsCluster("b"), "c1")], default);
        await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.ClusterLoadAssignment, "e1",
            [XdsProtos.Resource(XdsProtos.Assignment("a", Host1), "e1"), XdsProtos.Resource(XdsProtos.Assignment("b", Host1), "e1")], default);
        var before = _applied[^1].Clusters.ToDictionary(c => c.Name);

        await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.ClusterLoadAssignment, "e2",
            [XdsProtos.Resource(XdsProtos.Assignment("a", Host1), "e2"), XdsProtos.Resource(XdsProtos.Assignment("b", Host2), "e2")], default);

        var after = _applied[^1].Clusters.ToDictionary(c => c.Name);
        Assert.Same(before["a"], after["a"]);
        Assert.NotSame(before["b"], after["b"]);
        Assert.Equal(Host2, after["b"].Endpoints.Single().Address.ToEndPoint());
    }

    [Fact]
    public async Task OnStateOfTheWorld_UpdatedClusterWithNewServiceName_KeepsServingThePreviousVersionWhileWarming()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.EdsCluster("svc", "v1"), "c1")], default);
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.ClusterLoadAssignment, "e1", [XdsProtos.Resource(XdsProtos.Assignment("v1", Host1), "e1")], default);
        var serving = _applied[^1].Clusters.Single();

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c2", [XdsProtos.Resource(XdsProtos.EdsCluster("svc", "v2"), "c2")], default);

        Assert.Same(serving, _applied[^1].Clusters.Single());
        Assert.Equal(["v2"], _subscriptions[^1].Names);

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.ClusterLoadAssignment, "e2", [XdsProtos.Resource(XdsProtos.Assignment("v2", Host2), "e2")], default);

        Assert.Equal(Host2, _applied[^1].Clusters.Single().Endpoints.Single().Address.ToEndPoint());
    }

    [Fact]
    public async Task OnStateOfTheWorld_WarmingDeadlinePasses_ClusterServesWithoutEndpoints()
    {
        var store = NewStore(warming: TimeSpan.FromSeconds(15));
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.EdsCluster("svc"), "c1")], default);
        Assert.Empty(_applied[^1].Clusters);

        _time.Advance(TimeSpan.FromSeconds(16));

        await WaitForAsync(() => _applied[^1].Clusters.Length == 1);
        Assert.Empty(_applied[^1].Clusters.Single().Endpoints);
    }

    [Fact]
    public async Task OnStateOfTheWorld_ListenerWithRds_WarmsUntilItsRouteTableArrives()
    {
        var store = NewStore();

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "l1", [XdsProtos.Resource(XdsProtos.HttpListener("http", 15080, "8080"), "l1")], default);

        Assert.Empty(_applied[^1].Listeners);
        AssertSubscribed(XdsTypeUrls.RouteConfiguration, "8080");
        Assert.Equal(1, _stats.GetGauge("listener_manager.total_listeners_warming").Value);

        Assert.Null(await store.OnStateOfTheWorldAsync(XdsTypeUrls.RouteConfiguration, "r1", [XdsProtos.Resource(XdsProtos.Routes("8080", "svc"), "r1")], default));

        Assert.Equal("http", _applied[^1].Listeners.Single().Name);
        Assert.Equal("8080", _applied[^1].Routes.Single().Name);
        Assert.Equal(1, Counter("rds.8080.update_success"));
    }

    [Fact]
    public async Task OnStateOfTheWorld_ListenerSwitchesRoutes_KeepsTheOldOnesWhileItWarmsThenDropsThem()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "l1", [XdsProtos.Resource(XdsProtos.HttpListener("http", 15080, "8080"), "l1")], default);
        await store.OnStateOfTheWorldAsync(XdsTypeUrls.RouteConfiguration, "r1", [XdsProtos.Resource(XdsProtos.Routes("8080", "svc"), "r1")], default);

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "l2", [XdsProtos.Resource(XdsProtos.HttpListener("http", 15080, "9090"), "l2")], default);

        // The previous version keeps serving while the new one waits for 9090, and it needs 8080 to do so.
        AssertSubscribed(XdsTypeUrls.RouteConfiguration, "8080", "9090");
        Assert.Equal(["8080"], _applied[^1].Routes.Select(r => r.Name));

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.RouteConfiguration, "r2", [XdsProtos.Resource(XdsProtos.Routes("9090", "svc"), "r2")], default);

        AssertSubscribed(XdsTypeUrls.RouteConfiguration, "9090");
        Assert.Equal(["9090"], store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.RouteConfiguration).Resources.Select(r => r.Name));
        Assert.Equal(["9090"], _applied[^1].Routes.Select(r => r.Name));
    }

    [Fact]
    public async Task OnStateOfTheWorld_ListenerRemoved_UnsubscribesAndDropsItsRoutes()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Listener, "l1",
            [XdsProtos.Resource(XdsProtos.HttpListener("a", 15080, "8080"), "l1"), XdsProtos.Resource(XdsProtos.HttpListener("b", 15081, "9090"), "l1")], default);
        await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.RouteConfiguration, "r1", [XdsProtos.Resource(XdsProtos.Routes("8080", "svc"), "r1"), XdsProtos.Resource(XdsProtos.Routes("9090", "svc"), "r1")], default);

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Listener, "l2", [XdsProtos.Resource(XdsProtos.HttpListener("b", 15081, "9090"), "l2")], default);

        AssertSubscribed(XdsTypeUrls.RouteConfiguration, "9090");
        Assert.Equal(["9090"], store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.RouteConfiguration).Resources.Select(r => r.Name));
        Assert.Equal(["9090"], _applied[^1].Routes.Select(r => r.Name));
    }

    [Fact]
    public async Task OnStateOfTheWorld_ClusterRemoved_UnsubscribesItsEndpoints()
    {
        var store = NewStore();
        await store.OnStateOfTheWorldAsync(
            XdsTypeUrls.Cluster, "c1", [XdsProtos.Resource(XdsProtos.EdsCluster("a"), "c1"), XdsProtos.Resource(XdsProtos.EdsCluster("b"), "c1")], default);

        await store.OnStateOfTheWorldAsync(XdsTypeUrls.Cluster, "c2", [XdsProtos.Resource(XdsProtos.EdsCluster("a"), "c2")], default);

        AssertSubscribed(XdsTypeUrls.ClusterLoadAssignment, "a");
    }

    private void AssertSubscribed(string typeUrl, params string[] names)
    {
        var last = _subscriptions.Last(s => s.Type == typeUrl);
        Assert.Equal(names, last.Names);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in 5 s");
            await Task.Delay(10);
        }
    }
}
