using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Transport;
using MeshProxy.Tests.Support;
using static MeshProxy.Tests.Listeners.ListenerTestConfigs;

namespace MeshProxy.Tests.Listeners;

/// <summary>
/// The listener runtime end to end over loopback for any transport: Istio's listener shapes (virtualOutbound with
/// hand-off, bind_to_port:false listeners, virtualInbound chains), updates with draining, and failures.
/// </summary>
public abstract class ListenerRuntimeTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    protected abstract ITransport CreateTransport();

    [Fact(Timeout = 30_000)]
    public async Task HandOff_OriginalDestinationOfAnotherListener_ServedByThatListenersChain()
    {
        await using var passthrough = TaggedEcho("A");
        await using var exact = TaggedEcho("B");
        await using var wildcard = TaggedEcho("C");
        var destinations = new FakeOriginalDestinations();
        var config = ProxyConfig.Empty with
        {
            Clusters = [Cluster("passthrough", passthrough.EndPoint), Cluster("exact", exact.EndPoint), Cluster("wildcard", wildcard.EndPoint)],
            Listeners =
            [
                Listener("virtualOutbound", "127.0.0.1:0", TcpChain("passthrough", "passthrough")) with
                {
                    UseOriginalDst = true,
                    ListenerFilters = [Filter(ListenerFilterKind.OriginalDst)],
                },
                Listener("10.1.2.3_8080", "10.1.2.3:8080", TcpChain("exact", "exact")) with { BindToPort = false },
                Listener("0.0.0.0_9090", "0.0.0.0:9090", TcpChain("wildcard", "wildcard")) with { BindToPort = false },
            ],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), config, options: new ProxyRuntimeOptions { OriginalDestinationSource = destinations });
        var outbound = Assert.Single(proxy.Runtime.Listeners).EndPoint;

        using (var client = await destinations.ConnectAsync(outbound, "10.1.2.3:8080"))
        {
            Assert.Equal("B:to exact", await ExchangeAsync(client, "to exact"));
        }

        using (var client = await destinations.ConnectAsync(outbound, "10.7.7.7:9090"))
        {
            Assert.Equal("C:to wildcard", await ExchangeAsync(client, "to wildcard"));
        }

        using (var client = await destinations.ConnectAsync(outbound, "10.9.9.9:7777"))
        {
            Assert.Equal("A:no such listener", await ExchangeAsync(client, "no such listener"));
        }

        using (var client = await destinations.ConnectAsync(outbound, null))
        {
            Assert.Equal("A:not redirected", await ExchangeAsync(client, "not redirected"));
        }

        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connections closed");
        Assert.Equal(1, proxy.Counter("listener.10.1.2.3_8080.downstream_cx_total"));
        Assert.Equal(1, proxy.Counter("listener.0.0.0.0_9090.downstream_cx_total"));
        Assert.Equal(2, proxy.Counter(proxy.ListenerPrefix + "downstream_cx_total"));
    }

    [Fact(Timeout = 30_000)]
    public async Task VirtualInbound_ChainsOnPortTransportAndAlpn_PlainHttpRawTcpAndTlsReachTheirOwnChains()
    {
        await using var http = TaggedEcho("H");
        await using var tcp = TaggedEcho("T");
        await using var tls = TaggedEcho("S");
        var destinations = new FakeOriginalDestinations();
        var config = ProxyConfig.Empty with
        {
            Clusters = [Cluster("http", http.EndPoint), Cluster("tcp", tcp.EndPoint), Cluster("tls", tls.EndPoint)],
            Listeners =
            [
                Listener(
                    "virtualInbound",
                    "127.0.0.1:0",
                    TcpChain("tcp", "tcp", new() { DestinationPort = 8080, TransportProtocol = "raw_buffer" }),
                    TcpChain("http", "http", new() { DestinationPort = 8080, TransportProtocol = "raw_buffer", ApplicationProtocols = ["http/1.1", "h2c"] }),
                    TcpChain("tls", "tls", new() { DestinationPort = 8080, TransportProtocol = "tls", ApplicationProtocols = ["istio-peer-exchange", "istio"] })) with
                {
                    ListenerFilters = [Filter(ListenerFilterKind.OriginalDst), Filter(ListenerFilterKind.TlsInspector), Filter(ListenerFilterKind.HttpInspector)],
                },
            ],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), config, options: new ProxyRuntimeOptions { OriginalDestinationSource = destinations });
        var inbound = proxy.EndPoint;
        var hello = Encoding.Latin1.GetString(await ClientHellos.CaptureAsync("reviews.default.svc.cluster.local", "istio-peer-exchange", "istio"));
        const string Request = "GET /reviews HTTP/1.1\r\nHost: reviews\r\n\r\n";

        // Each in two writes with a pause, so the inspectors decide on the second read and must leave every byte.
        Assert.Equal("H:" + Request, await SendInTwoPartsAsync(destinations, inbound, Request, 9));
        Assert.Equal("S:" + hello, await SendInTwoPartsAsync(destinations, inbound, hello, 100));
        Assert.Equal("T:hello", await SendInTwoPartsAsync(destinations, inbound, "hello", 2));
        Assert.Equal("H:PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", await SendInTwoPartsAsync(destinations, inbound, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 5));

        // Not redirected: the destination is the listener's own port, which no chain names.
        using (var client = await destinations.ConnectAsync(inbound, null))
        {
            await client.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), SocketFlags.None);
            Assert.NotEqual(ReadOutcome.StillOpen, await client.ReadOutcomeAsync(Prompt));
        }

        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connections closed");
        Assert.Equal(1, proxy.Counter(proxy.ListenerPrefix + "no_filter_chain_match"));
        Assert.Equal(1, proxy.Counter("tls_inspector.tls_found"));
        Assert.Equal(1, proxy.Counter("tls_inspector.sni_found"));
        Assert.Equal(2, proxy.Counter("http_inspector.http11_found"));
        Assert.Equal(1, proxy.Counter("http_inspector.http2_found"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ListenerFilter_DisabledForTheDestinationPort_DoesNotRun()
    {
        await using var http = TaggedEcho("H");
        await using var tcp = TaggedEcho("T");
        var destinations = new FakeOriginalDestinations();
        var config = ProxyConfig.Empty with
        {
            Clusters = [Cluster("http", http.EndPoint), Cluster("tcp", tcp.EndPoint)],
            Listeners =
            [
                Listener("virtualInbound", "127.0.0.1:0", TcpChain("tcp", "tcp"), TcpChain("http", "http", new() { ApplicationProtocols = ["http/1.1"] })) with
                {
                    ListenerFilters =
                    [
                        Filter(ListenerFilterKind.OriginalDst),
                        Filter(ListenerFilterKind.HttpInspector) with { DisabledForDestinationPorts = [new PortRange(3306, 3307)] },
                    ],
                },
            ],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), config, options: new ProxyRuntimeOptions { OriginalDestinationSource = destinations });

        using (var client = await destinations.ConnectAsync(proxy.EndPoint, "10.0.0.5:3306"))
        {
            Assert.Equal("T:GET / HTTP/1.1\r\n\r\n", await ExchangeAsync(client, "GET / HTTP/1.1\r\n\r\n"));
        }

        using (var client = await destinations.ConnectAsync(proxy.EndPoint, "10.0.0.5:3307"))
        {
            Assert.Equal("H:GET / HTTP/1.1\r\n\r\n", await ExchangeAsync(client, "GET / HTTP/1.1\r\n\r\n"));
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task ListenerFilters_NoBytesWithinTimeout_ConnectionClosedAndCounted()
    {
        await using var upstream = TaggedEcho("T");
        var config = ProxyConfig.Empty with
        {
            Clusters = [Cluster("tcp", upstream.EndPoint)],
            Listeners =
            [
                Listener("server-first", "127.0.0.1:0", TcpChain("tcp", "tcp")) with
                {
                    ListenerFilters = [Filter(ListenerFilterKind.TlsInspector)],
                    ListenerFiltersTimeout = TimeSpan.FromMilliseconds(200),
                },
            ],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), config);
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

        Assert.NotEqual(ReadOutcome.StillOpen, await client.ReadOutcomeAsync(Prompt));

        Assert.Equal(1, proxy.Counter(proxy.ListenerPrefix + "downstream_pre_cx_timeout"));
        Assert.Equal(0, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task ListenerFilters_TimeoutWithContinue_ServesTheChainWithEveryByte()
    {
        await using var upstream = TaggedEcho("T");
        var config = ProxyConfig.Empty with
        {
            Clusters = [Cluster("tcp", upstream.EndPoint)],
            Listeners =
            [
                Listener("slow-client", "127.0.0.1:0", TcpChain("tcp", "tcp", new() { TransportProtocol = "raw_buffer" })) with
                {
                    ListenerFilters = [Filter(ListenerFilterKind.TlsInspector)],
                    ListenerFiltersTimeout = TimeSpan.FromMilliseconds(200),
                    ContinueOnListenerFiltersTimeout = true,
                },
            ],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), config);
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        var receive = client.ReceiveToEndAsync();

        await client.SendAsync(new byte[] { 0x16, 0x03 }, SocketFlags.None); // Could still be TLS: the inspector waits.
        await ProxyHarness.WaitUntilAsync(() => upstream.AcceptedCount == 1, Prompt, "chain served after the timeout");
        await client.SendAsync("rest"u8.ToArray(), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("T:\u0016\u0003rest", Encoding.Latin1.GetString(await receive.WaitAsync(Prompt)));
        Assert.Equal(1, proxy.Counter(proxy.ListenerPrefix + "downstream_pre_cx_timeout"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Update_LongConnectionsOpen_FinishByteExactAndNewConnectionsUseTheNewConfig()
    {
        const int Size = 256 * 1024;
        await using var before = TaggedEcho("A");
        await using var after = TaggedEcho("B");
        var v1 = ProxyConfig.Empty with
        {
            Clusters = [Cluster("a", before.EndPoint), Cluster("b", after.EndPoint)],
            Listeners = [Listener("ingress", "127.0.0.1:0", TcpChain("tcp", "a"))],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), v1, options: new ProxyRuntimeOptions { DrainTime = TimeSpan.FromSeconds(30) });
        var endPoint = proxy.EndPoint;
        var payload = new byte[Size];
        new PseudoRandomBytes(7).Fill(payload);
        var open = new List<(Socket Client, Task<byte[]> Receive)>();
        for (var i = 0; i < 3; i++)
        {
            var client = await SocketTestExtensions.ConnectAsync(endPoint);
            var receive = client.ReceiveToEndAsync();
            await client.SendAsync(payload.AsMemory(0, Size / 2), SocketFlags.None);
            open.Add((client, receive));
        }

        await ProxyHarness.WaitUntilAsync(() => before.AcceptedCount == 3, Prompt, "old connections upstream");
        var result = await proxy.Runtime.ApplyAsync(v1 with { Listeners = [v1.Listeners[0] with { FilterChains = [TcpChain("tcp", "b")] }] });

        Assert.True(result.Succeeded);
        Assert.Equal(endPoint, proxy.EndPoint); // Swapped in place: same socket.
        using (var fresh = await SocketTestExtensions.ConnectAsync(endPoint))
        {
            Assert.Equal("B:new", await ExchangeAsync(fresh, "new"));
        }

        foreach (var (client, receive) in open)
        {
            using (client)
            {
                await client.SendAsync(payload.AsMemory(Size / 2), SocketFlags.None);
                client.Shutdown(SocketShutdown.Send);
                var echoed = await receive.WaitAsync(Prompt);
                Assert.Equal([.. "A:"u8.ToArray(), .. payload], echoed);
            }
        }

        Assert.Equal(1, proxy.Counter("listener_manager.listener_modified"));
        await ProxyHarness.WaitUntilAsync(() => proxy.Gauge("listener_manager.total_listeners_draining") == 0, Prompt, "old version drained");
    }

    [Fact(Timeout = 30_000)]
    public async Task Remove_ConnectionOpen_KeepsRunningThenClosedAfterTheDrainTime()
    {
        await using var upstream = TestUpstream.Echo();
        var drainTime = TimeSpan.FromMilliseconds(300);
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint), options: new ProxyRuntimeOptions { DrainTime = drainTime });
        var endPoint = proxy.EndPoint;
        using var client = await SocketTestExtensions.ConnectAsync(endPoint);
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
        await client.ReceiveExactlyAsync(1);

        var removedAt = Stopwatch.StartNew();
        await proxy.Runtime.ApplyAsync(proxy.Runtime.Config with { Listeners = [] });

        await Assert.ThrowsAsync<SocketException>(() => SocketTestExtensions.ConnectAsync(endPoint));
        await client.SendAsync(new byte[] { 2 }, SocketFlags.None);
        Assert.Equal(new byte[] { 2 }, await client.ReceiveExactlyAsync(1));
        Assert.Equal(1, proxy.Gauge("listener_manager.total_listeners_draining"));
        Assert.NotEqual(ReadOutcome.StillOpen, await client.ReadOutcomeAsync(Prompt));
        Assert.True(removedAt.Elapsed >= drainTime - TimeSpan.FromMilliseconds(50), $"closed after {removedAt.Elapsed}");
        await ProxyHarness.WaitUntilAsync(() => proxy.Gauge("listener_manager.total_listeners_draining") == 0, Prompt, "drain finished");
        Assert.Equal(1, proxy.Counter("listener_manager.listener_removed"));
        Assert.Equal(0, proxy.Gauge("listener_manager.total_listeners_active"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Apply_SameListenerConfigObject_LeavesConnectionsAndSocketUntouched()
    {
        await using var upstream = TestUpstream.Echo();
        var config = ProxyConfigs.TcpProxy(upstream.EndPoint);
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), config, options: new ProxyRuntimeOptions { DrainTime = TimeSpan.FromMilliseconds(50) });
        var endPoint = proxy.EndPoint;
        using var client = await SocketTestExtensions.ConnectAsync(endPoint);
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
        await client.ReceiveExactlyAsync(1);

        var result = await proxy.Runtime.ApplyAsync(config with { Clusters = [.. config.Clusters] });
        await Task.Delay(300); // Six drain times: a drain would have closed the connection by now.

        Assert.True(result.Succeeded);
        Assert.Equal(endPoint, proxy.EndPoint);
        await client.SendAsync(new byte[] { 2 }, SocketFlags.None);
        Assert.Equal(new byte[] { 2 }, await client.ReceiveExactlyAsync(1));
        Assert.Equal(0, proxy.Counter("listener_manager.listener_modified"));
        Assert.Equal(1, proxy.Counter("listener_manager.listener_create_success"));
        Assert.Equal(0, proxy.Gauge("listener_manager.total_listeners_draining"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Apply_AddressChanged_BindsTheNewAddressAndOldConnectionsKeepRunning()
    {
        await using var upstream = TestUpstream.Echo();
        var first = ProxyConfigs.UnusedLoopbackEndPoint();
        var second = ProxyConfigs.UnusedLoopbackEndPoint();
        var config = ProxyConfigs.TcpProxy(upstream.EndPoint, listenPort: first.Port);
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), config, options: new ProxyRuntimeOptions { DrainTime = TimeSpan.FromSeconds(30) });
        using var old = await SocketTestExtensions.ConnectAsync(first);
        await old.SendAsync(new byte[] { 1 }, SocketFlags.None);
        await old.ReceiveExactlyAsync(1);

        var result = await proxy.Runtime.ApplyAsync(config with
        {
            Listeners = [config.Listeners[0] with { Address = new SocketAddressConfig(IPAddress.Loopback, second.Port) }],
        });

        Assert.True(result.Succeeded);
        Assert.Equal(second, Assert.Single(proxy.Runtime.Listeners).EndPoint);
        await Assert.ThrowsAsync<SocketException>(() => SocketTestExtensions.ConnectAsync(first));
        using (var fresh = await SocketTestExtensions.ConnectAsync(second))
        {
            Assert.Equal("moved", await ExchangeAsync(fresh, "moved"));
        }

        Assert.Equal("still here", await ExchangeAsync(old, "still here"));
    }

    [Fact(Timeout = 30_000)]
    public async Task RequiresTlsChain_Connection_ClosedWithoutReachingUpstreamAndCounted()
    {
        await using var upstream = TaggedEcho("T");
        var config = ProxyConfig.Empty with
        {
            Clusters = [Cluster("tcp", upstream.EndPoint)],
            Listeners = [Listener("mtls", "127.0.0.1:0", TcpChain("tls-only", "tcp") with { RequiresTls = true })],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), config);
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

        Assert.NotEqual(ReadOutcome.StillOpen, await client.ReadOutcomeAsync(Prompt));

        Assert.Equal(1, proxy.Counter(proxy.ListenerPrefix + "downstream_cx_tls_unsupported"));
        Assert.Equal(0, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task HttpConnectionManagerChain_RdsTableMissing_AnswersNoRoute()
    {
        var hcm = new HttpConnectionManagerConfig(HttpConnectionManagerConfig.FilterName, "inbound_8080") { RdsRouteConfigName = "8080" };
        var config = ProxyConfig.Empty with
        {
            Listeners = [Listener("http", "127.0.0.1:0", new FilterChainConfig("http", [hcm]))],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), config);
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray(), SocketFlags.None);

        var buffer = new byte[256];
        var n = await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Prompt);

        Assert.StartsWith("HTTP/1.1 404 ", System.Text.Encoding.ASCII.GetString(buffer, 0, n), StringComparison.Ordinal);
        Assert.Equal(1, proxy.Counter("http.inbound_8080.no_route"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Apply_OneListenerCannotBind_OthersRunAndTheFailureIsReported()
    {
        await using var upstream = TaggedEcho("T");
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        var config = ProxyConfig.Empty with
        {
            Clusters = [Cluster("tcp", upstream.EndPoint)],
            Listeners =
            [
                Listener("blocked", taken.LocalEndPoint!.ToString()!, TcpChain("tcp", "tcp")),
                Listener("fine", "127.0.0.1:0", TcpChain("tcp", "tcp")),
            ],
        };
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfig.Empty);

        var result = await proxy.Runtime.ApplyAsync(config);

        var failure = Assert.Single(result.Failures);
        Assert.Equal("blocked", failure.ListenerName);
        Assert.Contains(taken.LocalEndPoint!.ToString()!, failure.Message, StringComparison.Ordinal);
        var fine = Assert.Single(proxy.Runtime.Listeners);
        Assert.Equal("fine", fine.Name);
        Assert.Equal("fine", Assert.Single(proxy.Runtime.Config.Listeners).Name);
        using var client = await SocketTestExtensions.ConnectAsync(fine.EndPoint);
        Assert.Equal("T:ok", await ExchangeAsync(client, "ok"));
        Assert.Equal(1, proxy.Counter("listener_manager.listener_create_failure"));
        Assert.Equal(1, proxy.Counter("listener_manager.listener_create_success"));
    }

    private static async Task<string> SendInTwoPartsAsync(FakeOriginalDestinations destinations, IPEndPoint proxy, string payload, int split)
    {
        using var client = await destinations.ConnectAsync(proxy, "10.0.0.5:8080");
        var bytes = Encoding.Latin1.GetBytes(payload);
        await client.SendAsync(bytes.AsMemory(0, split), SocketFlags.None);
        await Task.Delay(30);
        await client.SendAsync(bytes.AsMemory(split), SocketFlags.None);

        // No FIN yet: the chain's first read must return the peeked bytes without any new byte arriving.
        var echoed = await client.ReceiveExactlyAsync(2 + bytes.Length).WaitAsync(Prompt);
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync().WaitAsync(Prompt));
        return Encoding.Latin1.GetString(echoed);
    }
}

/// <summary>The listener runtime suite over the epoll transport with two loops.</summary>
public sealed class EpollListenerRuntimeTests : ListenerRuntimeTests
{
    protected override ITransport CreateTransport() => new MeshProxy.Core.Transport.Epoll.EpollTransport(2);
}

/// <summary>The listener runtime suite over runtime sockets.</summary>
public sealed class SocketListenerRuntimeTests : ListenerRuntimeTests
{
    protected override ITransport CreateTransport() => new MeshProxy.Core.Transport.Sockets.SocketTransport();
}
