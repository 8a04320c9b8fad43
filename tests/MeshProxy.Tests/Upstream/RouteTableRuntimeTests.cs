using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Transport.Sockets;

namespace MeshProxy.Tests.Upstream;

public sealed class RouteTableRuntimeTests
{
    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_Routes_AreFoundByNameAndSwappedWhole()
    {
        await using var transport = new SocketTransport(1);
        await using var runtime = new ProxyRuntime(transport, Serilog.Core.Logger.None);
        var first = new RouteTableConfig("8080", []);
        var second = new RouteTableConfig("9090", []);
        await runtime.ApplyAsync(ProxyConfig.Empty with { Routes = [first, second] });

        Assert.True(runtime.TryGetRouteTable("8080", out var found));
        Assert.Same(first, found);

        var replaced = new RouteTableConfig("9090", []);
        await runtime.ApplyAsync(ProxyConfig.Empty with { Routes = [replaced] });

        Assert.False(runtime.TryGetRouteTable("8080", out _));
        Assert.True(runtime.TryGetRouteTable("9090", out var current));
        Assert.Same(replaced, current);
    }

    [Fact(Timeout = 10_000)]
    public async Task ApplyAsync_DuplicateRouteName_ThrowsAndKeepsTheLiveTables()
    {
        await using var transport = new SocketTransport(1);
        await using var runtime = new ProxyRuntime(transport, Serilog.Core.Logger.None);
        var live = new RouteTableConfig("8080", []);
        await runtime.ApplyAsync(ProxyConfig.Empty with { Routes = [live] });

        await Assert.ThrowsAsync<ArgumentException>(() =>
            runtime.ApplyAsync(ProxyConfig.Empty with { Routes = [new RouteTableConfig("a", []), new RouteTableConfig("a", [])] }));

        Assert.True(runtime.TryGetRouteTable("8080", out var current));
        Assert.Same(live, current);
    }
}
