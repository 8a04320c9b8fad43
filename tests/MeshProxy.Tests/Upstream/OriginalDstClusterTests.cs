using System.Net;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Upstream;

public sealed class OriginalDstClusterTests
{
    private readonly StatsStore _stats = new();

    [Fact(Timeout = 10_000)]
    public async Task PickHost_OriginalDestination_ReturnsOneCachedHostPerAddress()
    {
        using var manager = await ManagerWithClusterAsync();
        manager.TryGet("orig", out var cluster);

        var first = cluster!.PickHost(Context(new IPEndPoint(IPAddress.Loopback, 8080)));
        var again = cluster.PickHost(Context(new IPEndPoint(IPAddress.Loopback, 8080)));
        var other = cluster.PickHost(Context(new IPEndPoint(IPAddress.Loopback, 9090)));

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8080), first!.EndPoint);
        Assert.Same(first, again);
        Assert.Equal(9090, other!.EndPoint.Port);
        Assert.Equal(2, _stats.GetGauge("cluster.orig.membership_total").Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task PickHost_NoOriginalDestination_ReturnsNull()
    {
        using var manager = await ManagerWithClusterAsync();
        manager.TryGet("orig", out var cluster);

        Assert.Null(cluster!.PickHost(LoadBalancerContext.None));
    }

    [Fact(Timeout = 10_000)]
    public async Task Cleanup_HostUnusedForAWholeInterval_IsDropped()
    {
        using var manager = await ManagerWithClusterAsync();
        manager.TryGet("orig", out var cluster);
        var used = new IPEndPoint(IPAddress.Loopback, 8080);
        var idle = new IPEndPoint(IPAddress.Loopback, 9090);
        var usedHost = cluster!.PickHost(Context(used));
        var idleHost = cluster.PickHost(Context(idle));

        cluster.OriginalDst!.Cleanup(); // Both were used since the last sweep: kept.
        Assert.Same(usedHost, cluster.PickHost(Context(used)));
        cluster.OriginalDst.Cleanup(); // The idle one was not picked for a whole interval: dropped.

        Assert.Equal(1, _stats.GetGauge("cluster.orig.membership_total").Value);
        Assert.Same(usedHost, cluster.PickHost(Context(used)));
        Assert.NotSame(idleHost, cluster.PickHost(Context(idle)));
    }

    internal static ClusterConfig OriginalDst(string name, TimeSpan? cleanup = null) => new(
        name, ClusterDiscoveryType.OriginalDst, TimeSpan.FromSeconds(1), LbPolicy.ClusterProvided, [], 0)
    {
        // Long by default: the tests sweep by hand.
        OriginalDstCleanupInterval = cleanup ?? TimeSpan.FromHours(1),
    };

    private static LoadBalancerContext Context(IPEndPoint destination) => new(null) { OriginalDestination = destination };

    private async Task<ClusterManager> ManagerWithClusterAsync()
    {
        var manager = new ClusterManager(_stats, Serilog.Core.Logger.None, new FakeDnsResolver());
        await manager.ApplyAsync([OriginalDst("orig")]);
        return manager;
    }
}
