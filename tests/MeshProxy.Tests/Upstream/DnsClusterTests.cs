using System.Collections.Immutable;
using System.Net;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Upstream;

public sealed class DnsClusterTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ShortRefresh = TimeSpan.FromMilliseconds(20);
    private readonly StatsStore _stats = new();
    private readonly FakeDnsResolver _resolver = new();

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_StrictDns_EveryAddressOfEveryTargetIsAHostAtOnce()
    {
        _resolver.Set("one.test", Ip(1), Ip(2));
        _resolver.Set("two.test", Ip(3));
        using var manager = Manager();

        await manager.ApplyAsync([Dns("a", ClusterDiscoveryType.StrictDns, Target("one.test", 80, weight: 3), Target("two.test", 81))]);

        manager.TryGet("a", out var cluster);
        var hosts = cluster!.Hosts.Select(h => (h.EndPoint.ToString(), h.Weight)).Order().ToList();
        Assert.Equal([("127.0.0.1:80", 3u), ("127.0.0.2:80", 3u), ("127.0.0.3:81", 1u)], hosts);
        Assert.Equal(3, Gauge("cluster.a.membership_total"));
        Assert.Equal(2, Counter("cluster.a.update_success"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_LogicalDns_UsesTheFirstAddressOnly()
    {
        _resolver.Set("svc.test", Ip(7), Ip(8));
        using var manager = Manager();

        await manager.ApplyAsync([Dns("a", ClusterDiscoveryType.LogicalDns, Target("svc.test", 90))]);

        manager.TryGet("a", out var cluster);
        Assert.Equal(["127.0.0.7:90"], cluster!.Hosts.Select(h => h.EndPoint.ToString()));
    }

    [Fact(Timeout = 10_000)]
    public async Task Refresh_AddressesChange_PicksFollowTheNewHosts()
    {
        _resolver.Set("svc.test", Ip(1));
        using var manager = Manager();
        await manager.ApplyAsync([Dns("a", ClusterDiscoveryType.StrictDns, Target("svc.test", 80)) with { DnsRefreshRate = ShortRefresh }]);
        manager.TryGet("a", out var cluster);
        Assert.Equal("127.0.0.1:80", cluster!.PickHost(LoadBalancerContext.None)!.EndPoint.ToString());

        _resolver.Set("svc.test", Ip(4), Ip(5));

        await ProxyHarness.WaitUntilAsync(() => cluster.Hosts.Count == 2, Prompt, "refreshed hosts");
        var picked = Enumerable.Range(0, 4).Select(_ => cluster.PickHost(LoadBalancerContext.None)!.EndPoint.ToString()).ToHashSet();
        Assert.Equal(["127.0.0.4:80", "127.0.0.5:80"], picked.Order());
        Assert.Equal(2, Gauge("cluster.a.membership_total"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Refresh_ResolutionFails_KeepsPreviousHostsAndCountsFailure()
    {
        _resolver.Set("svc.test", Ip(1));
        using var manager = Manager();
        await manager.ApplyAsync([Dns("a", ClusterDiscoveryType.StrictDns, Target("svc.test", 80)) with { DnsRefreshRate = ShortRefresh }]);
        manager.TryGet("a", out var cluster);

        _resolver.Fail("svc.test");
        await ProxyHarness.WaitUntilAsync(() => Counter("cluster.a.update_failure") >= 2, Prompt, "failed refreshes");

        Assert.Equal(["127.0.0.1:80"], cluster!.Hosts.Select(h => h.EndPoint.ToString()));
        Assert.Equal(1, Gauge("cluster.a.membership_total"));
        Assert.True(Counter("cluster.a.update_success") >= 1);
    }

    [Fact(Timeout = 10_000)]
    public async Task Refresh_SameAddresses_KeepsTheHostSet()
    {
        _resolver.Set("svc.test", Ip(1));
        using var manager = Manager();
        await manager.ApplyAsync([Dns("a", ClusterDiscoveryType.StrictDns, Target("svc.test", 80)) with { DnsRefreshRate = ShortRefresh }]);
        manager.TryGet("a", out var cluster);
        var hosts = cluster!.Hosts;

        await ProxyHarness.WaitUntilAsync(() => Counter("cluster.a.update_no_rebuild") >= 2, Prompt, "unchanged refreshes");

        Assert.Same(hosts, cluster.Hosts);
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_DnsClusterReplaced_OldRefreshesStop()
    {
        _resolver.Set("svc.test", Ip(1));
        using var manager = Manager();
        var config = Dns("a", ClusterDiscoveryType.StrictDns, Target("svc.test", 80)) with { DnsRefreshRate = ShortRefresh };
        await manager.ApplyAsync([config]);
        await ProxyHarness.WaitUntilAsync(() => _resolver.Calls >= 3, Prompt, "refreshes");

        // Replaced: only the new cluster refreshes (one timer), so the rate does not double.
        await manager.ApplyAsync([config with { DnsRefreshRate = TimeSpan.FromHours(1) }]);
        await Task.Delay(ShortRefresh * 2); // A refresh already running may still end.
        var afterReplace = _resolver.Calls;
        await Task.Delay(ShortRefresh * 10);

        Assert.Equal(afterReplace, _resolver.Calls);
        Assert.Equal(1, Gauge("cluster.a.membership_total"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_DnsClusterRemoved_NoMoreResolutions()
    {
        _resolver.Set("svc.test", Ip(1));
        using var manager = Manager();
        await manager.ApplyAsync([Dns("a", ClusterDiscoveryType.StrictDns, Target("svc.test", 80)) with { DnsRefreshRate = ShortRefresh }]);
        await ProxyHarness.WaitUntilAsync(() => _resolver.Calls >= 2, Prompt, "refreshes");

        await manager.ApplyAsync([]);
        await Task.Delay(ShortRefresh * 2); // A refresh already running may still end.
        var calls = _resolver.Calls;
        await Task.Delay(ShortRefresh * 10);

        Assert.Equal(calls, _resolver.Calls);
        Assert.Equal(0, Gauge("cluster.a.membership_total"));
    }

    [Fact(Timeout = 10_000)]
    public async Task ResolveAsync_Localhost_ReturnsLoopback()
    {
        var addresses = await SystemDnsResolver.Instance.ResolveAsync("localhost", DnsLookupFamily.V4Only, CancellationToken.None);

        Assert.Contains(IPAddress.Loopback, addresses);
        Assert.All(addresses, a => Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, a.AddressFamily));
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_RealResolverLocalhost_HostIsLoopback()
    {
        using var manager = new ClusterManager(_stats, Serilog.Core.Logger.None);

        await manager.ApplyAsync([Dns("a", ClusterDiscoveryType.LogicalDns, Target("localhost", 8080)) with { DnsLookupFamily = DnsLookupFamily.V4Only }]);

        manager.TryGet("a", out var cluster);
        Assert.Equal(["127.0.0.1:8080"], cluster!.Hosts.Select(h => h.EndPoint.ToString()));
    }

    [Fact(Timeout = 10_000)]
    public async Task Prefer_BothFamilies_KeepsThePreferredOrFallsBack()
    {
        await Task.Yield();
        IPAddress[] both = [IPAddress.Loopback, IPAddress.IPv6Loopback];

        Assert.Equal([IPAddress.IPv6Loopback], SystemDnsResolver.Prefer(both, System.Net.Sockets.AddressFamily.InterNetworkV6));
        Assert.Equal([IPAddress.Loopback], SystemDnsResolver.Prefer(both, System.Net.Sockets.AddressFamily.InterNetwork));
        Assert.Equal([IPAddress.Loopback], SystemDnsResolver.Prefer([IPAddress.Loopback], System.Net.Sockets.AddressFamily.InterNetworkV6));
    }

    internal static ClusterConfig Dns(string name, ClusterDiscoveryType type, params DnsTargetConfig[] targets) => new(
        name, type, TimeSpan.FromSeconds(1), LbPolicy.RoundRobin, [], 0)
    {
        DnsTargets = targets.ToImmutableArray(),
    };

    internal static DnsTargetConfig Target(string host, int port, uint weight = 1) => new(host, port, weight, 0, "");

    private static IPAddress Ip(int last) => new([127, 0, 0, (byte)last]);

    private ClusterManager Manager() => new(_stats, Serilog.Core.Logger.None, _resolver);

    private long Counter(string name) => _stats.GetCounter(name).Value;

    private long Gauge(string name) => _stats.GetGauge(name).Value;
}
