using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Core.Config;
using MeshProxy.Core.Network;
using MeshProxy.Core.Network.TcpProxy;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using MeshProxy.Tests.Support;
using MeshProxy.Tests.Upstream;

namespace MeshProxy.Tests.Network;

/// <summary>tcp_proxy against the upstream runtime: ORIGINAL_DST, DNS, circuit breakers, TLS-only clusters, cluster swaps.</summary>
public sealed class TcpProxyUpstreamTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 10_000)]
    public async Task Proxy_OriginalDstClusterWithOriginalDestination_ReachesThatDestination()
    {
        await using var upstream = TestUpstream.Echo();
        await using var transport = TransportFactory.Create(null, 1);
        var stats = new StatsStore();
        using var clusters = new ClusterManager(stats, Serilog.Core.Logger.None);
        await clusters.ApplyAsync([OriginalDstClusterTests.OriginalDst("orig")]);
        using var heartbeat = new Heartbeat(TimeProvider.System, TimeSpan.FromMilliseconds(50), Serilog.Core.Logger.None);
        var filter = new TcpProxyConfig(TcpProxyConfig.FilterName, "outbound", "orig", null);
        var factory = new TcpProxyFilterFactory(filter, transport, clusters, stats, heartbeat, Serilog.Core.Logger.None);
        await using var listener = transport.Bind(new IPEndPoint(IPAddress.Loopback, 0), new ConnectionOptions(1 << 20));
        using var client = await SocketTestExtensions.ConnectAsync(listener.EndPoint);
        await using var downstream = (await listener.AcceptAsync())!;
        var listenerConfig = new ListenerConfig("virtualOutbound", new SocketAddressConfig(IPAddress.Loopback, 0), [], 1 << 20, null);
        var context = new ConnectionContext(1, downstream, listenerConfig, new FilterChainConfig("passthrough", [filter]))
        {
            OriginalDestination = upstream.EndPoint,
        };

        var run = factory.CreateFilter(context).RunAsync(context).AsTask();
        await client.SendAsync(Encoding.ASCII.GetBytes("to the original destination"), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("to the original destination", Encoding.ASCII.GetString(await client.ReceiveToEndAsync().WaitAsync(Prompt)));
        await run.WaitAsync(Prompt);
        Assert.Equal(1, upstream.AcceptedCount);
        Assert.Equal(1, stats.GetCounter("cluster.orig.upstream_cx_total").Value);
        Assert.Equal(1, stats.GetGauge("cluster.orig.membership_total").Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task Proxy_OriginalDstClusterWithoutOriginalDestination_ClosesAndCountsNoneHealthy()
    {
        var config = ProxyConfigs.TcpProxy(ProxyConfigs.RefusingLoopbackEndPoint());
        config = config with { Clusters = [OriginalDstClusterTests.OriginalDst(ProxyConfigs.ClusterName)] };
        await using var proxy = await ProxyHarness.StartAsync(TransportFactory.Create(null, 1), config);
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

        Assert.NotEqual(ReadOutcome.StillOpen, await client.ReadOutcomeAsync(Prompt));

        Assert.Equal(1, proxy.Cluster("upstream_cx_none_healthy"));
        Assert.Equal(0, proxy.Cluster("upstream_cx_total"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Proxy_ClusterRequiresTls_FailsAtOnceWithoutConnecting()
    {
        await using var upstream = TestUpstream.Echo();
        var config = ProxyConfigs.TcpProxy(upstream.EndPoint);
        config = config with { Clusters = [config.Clusters[0] with { RequiresTls = true }] };
        await using var proxy = await ProxyHarness.StartAsync(TransportFactory.Create(null, 1), config);

        for (var i = 0; i < 2; i++)
        {
            using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
            Assert.NotEqual(ReadOutcome.StillOpen, await client.ReadOutcomeAsync(Prompt));
        }

        Assert.Equal(0, upstream.AcceptedCount);
        Assert.Empty(proxy.Transport.Connected);
        Assert.Equal(2, proxy.Cluster("upstream_cx_connect_fail"));
        Assert.Equal(2, proxy.Cluster("upstream_cx_tls_unsupported"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Proxy_ClusterAtMaxConnections_RefusesAndCountsOverflow()
    {
        await using var upstream = TestUpstream.Echo();
        var config = ProxyConfigs.TcpProxy(upstream.EndPoint);
        config = config with { Clusters = [ClusterManagerTests.WithMaxConnections(config.Clusters[0], 2)] };
        await using var proxy = await ProxyHarness.StartAsync(TransportFactory.Create(null, 1), config);
        var cxOpen = "cluster." + ProxyConfigs.ClusterName + ".circuit_breakers.default.cx_open";
        using var first = await EchoingClientAsync(proxy.EndPoint);
        using var second = await EchoingClientAsync(proxy.EndPoint);
        Assert.Equal(1, proxy.Gauge(cxOpen));

        using (var third = await SocketTestExtensions.ConnectAsync(proxy.EndPoint))
        {
            Assert.NotEqual(ReadOutcome.StillOpen, await third.ReadOutcomeAsync(Prompt));
        }

        Assert.Equal(1, proxy.Cluster("upstream_cx_overflow"));
        Assert.Equal(2, upstream.AcceptedCount);

        first.Shutdown(SocketShutdown.Send);
        await first.ReceiveToEndAsync().WaitAsync(Prompt);
        await ProxyHarness.WaitUntilAsync(() => proxy.Gauge(cxOpen) == 0, Prompt, "breaker closed");
        using var fourth = await EchoingClientAsync(proxy.EndPoint);
        Assert.Equal(3, upstream.AcceptedCount);
    }

    [Fact(Timeout = 10_000)]
    public async Task Proxy_StrictDnsAddressesChange_NewConnectionsFollow()
    {
        await using var first = TestUpstream.Echo(IPAddress.Loopback);
        await using var second = TestUpstream.Echo(IPAddress.Parse("127.0.0.2"), first.EndPoint.Port);
        var resolver = new FakeDnsResolver();
        resolver.Set("backend.test", IPAddress.Loopback);
        var config = ProxyConfigs.TcpProxy(first.EndPoint);
        var cluster = DnsClusterTests.Dns(ProxyConfigs.ClusterName, ClusterDiscoveryType.StrictDns, DnsClusterTests.Target("backend.test", first.EndPoint.Port))
            with { DnsRefreshRate = TimeSpan.FromMilliseconds(20) };
        await using var proxy = await ProxyHarness.StartAsync(TransportFactory.Create(null, 1), config with { Clusters = [cluster] }, dnsResolver: resolver);

        using (var client = await EchoingClientAsync(proxy.EndPoint))
        {
            Assert.Equal(1, first.AcceptedCount);
        }

        resolver.Set("backend.test", IPAddress.Parse("127.0.0.2"));
        await ProxyHarness.WaitUntilAsync(
            () => proxy.Runtime.Clusters.TryGet(ProxyConfigs.ClusterName, out var live) && live.Hosts.Count > 0 && live.Hosts[0].EndPoint.Address.Equals(second.EndPoint.Address),
            Prompt,
            "refresh with the new address");

        using (var client = await EchoingClientAsync(proxy.EndPoint))
        {
            Assert.Equal(1, second.AcceptedCount);
        }

        Assert.Equal(1, first.AcceptedCount);
    }

    [Fact(Timeout = 10_000)]
    public async Task Proxy_ClusterChangedWhileConnected_OldConnectionKeepsOldHostNewOnesUseNew()
    {
        await using var oldUpstream = TestUpstream.Echo();
        await using var newUpstream = TestUpstream.Echo();
        var config = ProxyConfigs.TcpProxy(oldUpstream.EndPoint);
        await using var proxy = await ProxyHarness.StartAsync(TransportFactory.Create(null, 1), config);
        using var before = await EchoingClientAsync(proxy.EndPoint);

        var changed = config.Clusters[0] with { Endpoints = [ProxyConfigs.Endpoint(newUpstream.EndPoint)] };
        await proxy.Runtime.ApplyAsync(config with { Clusters = [changed] });
        using var after = await EchoingClientAsync(proxy.EndPoint);

        // The old connection still talks to the old host.
        await before.SendAsync(Encoding.ASCII.GetBytes("still here"), SocketFlags.None);
        Assert.Equal("still here", Encoding.ASCII.GetString(await before.ReceiveExactlyAsync(10).WaitAsync(Prompt)));
        Assert.Equal(1, oldUpstream.AcceptedCount);
        Assert.Equal(1, newUpstream.AcceptedCount);
        Assert.Equal(1, proxy.Counter("cluster_manager.cluster_modified"));
        Assert.Equal(2, proxy.Gauge("cluster." + ProxyConfigs.ClusterName + ".upstream_cx_active"));
    }

    /// <summary>A client whose connection is proxied end to end (one echoed byte proves the upstream is connected).</summary>
    private static async Task<Socket> EchoingClientAsync(IPEndPoint proxy)
    {
        var client = await SocketTestExtensions.ConnectAsync(proxy);
        await client.SendAsync(new byte[] { 42 }, SocketFlags.None);
        Assert.Equal(new byte[] { 42 }, await client.ReceiveExactlyAsync(1).WaitAsync(Prompt));
        return client;
    }
}
