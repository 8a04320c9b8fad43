using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Core.Config;
using MeshProxy.Core.Transport;
using MeshProxy.Tests.Support;
using Xunit.Abstractions;

namespace MeshProxy.Tests.Network;

/// <summary>
/// tcp_proxy end to end over real loopback sockets, for any <see cref="ITransport"/>: a transport runs the whole suite
/// by adding one subclass that implements <see cref="CreateTransport"/>.
/// </summary>
public abstract class TcpProxyTransportTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);
    private readonly ITestOutputHelper _output;

    protected TcpProxyTransportTests(ITestOutputHelper output) => _output = output;

    protected abstract ITransport CreateTransport();

    [Fact(Timeout = 60_000)]
    public async Task Proxy_100MiBEachWayConcurrently_ArrivesByteExact()
    {
        const long Size = 100L * 1024 * 1024;
        var upstreamResult = new TaskCompletionSource<(long Count, byte[] Hash, byte[] SentHash)>();
        await using var upstream = new TestUpstream(async socket =>
        {
            var receive = socket.ReceiveToEndHashedAsync();
            var sentHash = await socket.SendPseudoRandomAsync(seed: 2, Size);
            socket.Shutdown(SocketShutdown.Send);
            var (count, hash) = await receive;
            upstreamResult.TrySetResult((count, hash, sentHash));
        });
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

        var clientReceive = client.ReceiveToEndHashedAsync();
        var clientSentHash = await client.SendPseudoRandomAsync(seed: 1, Size);
        client.Shutdown(SocketShutdown.Send);
        var (clientCount, clientHash) = await clientReceive;
        var (upCount, upHash, upSentHash) = await upstreamResult.Task;

        Assert.Equal(Size, upCount);
        Assert.Equal(clientSentHash, upHash);
        Assert.Equal(Size, clientCount);
        Assert.Equal(upSentHash, clientHash);
        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connection closed");
        Assert.Equal(Size, proxy.Tcp("downstream_cx_rx_bytes_total"));
        Assert.Equal(Size, proxy.Tcp("downstream_cx_tx_bytes_total"));
        Assert.Equal(Size, proxy.Cluster("upstream_cx_rx_bytes_total"));
        Assert.Equal(Size, proxy.Cluster("upstream_cx_tx_bytes_total"));
        Assert.Equal(1, proxy.Cluster("upstream_cx_destroy"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Proxy_500ConcurrentConnections_EachGetsItsOwnBytesBack()
    {
        const int Connections = 500;
        await using var upstream = TestUpstream.Echo();
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint));

        var clients = Enumerable.Range(0, Connections).Select(async i =>
        {
            using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
            var payload = new byte[4096 + i];
            new PseudoRandomBytes((ulong)i + 1).Fill(payload);
            var receive = client.ReceiveToEndAsync();
            await client.SendAsync(payload, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(payload, await receive);
        });
        await Task.WhenAll(clients);

        Assert.Equal(Connections, upstream.AcceptedCount);
        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "all connections closed");
        Assert.Equal(Connections, proxy.Counter(proxy.ListenerPrefix + "downstream_cx_total"));
        Assert.Equal(Connections, proxy.Counter(proxy.ListenerPrefix + "downstream_cx_destroy"));
        Assert.Equal(0, proxy.Gauge(proxy.ListenerPrefix + "downstream_cx_active"));
        Assert.Equal(Connections, proxy.Cluster("upstream_cx_total"));
        Assert.Equal(0, proxy.Stats.GetGauge("cluster." + ProxyConfigs.ClusterName + ".upstream_cx_active").Value);
    }

    [Fact(Timeout = 30_000)]
    public async Task HalfClose_ClientShutsDownFirst_UpstreamSeesEofAndStillReplies()
    {
        var upstreamGot = new TaskCompletionSource<byte[]>();
        await using var upstream = new TestUpstream(async socket =>
        {
            var request = await socket.ReceiveToEndAsync(); // EOF arrives: the client's FIN was passed on.
            upstreamGot.TrySetResult(request);
            await socket.SendAsync(Encoding.ASCII.GetBytes("reply after your FIN"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

        await client.SendAsync(Encoding.ASCII.GetBytes("request"), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("request", Encoding.ASCII.GetString(await upstreamGot.Task.WaitAsync(Prompt)));
        Assert.Equal("reply after your FIN", Encoding.ASCII.GetString(await client.ReceiveToEndAsync().WaitAsync(Prompt)));
    }

    [Fact(Timeout = 30_000)]
    public async Task HalfClose_UpstreamShutsDownFirst_ClientSeesEofAndStillSends()
    {
        var upstreamGot = new TaskCompletionSource<byte[]>();
        await using var upstream = new TestUpstream(async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("banner"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            upstreamGot.TrySetResult(await socket.ReceiveToEndAsync());
        });
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

        Assert.Equal("banner", Encoding.ASCII.GetString(await client.ReceiveToEndAsync().WaitAsync(Prompt)));
        await client.SendAsync(Encoding.ASCII.GetBytes("still talking"), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("still talking", Encoding.ASCII.GetString(await upstreamGot.Task.WaitAsync(Prompt)));
        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connection closed");
        Assert.Equal(1, proxy.Cluster("upstream_cx_destroy_remote"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Connect_UpstreamRefused_ClosesDownstreamAndCountsConnectFail()
    {
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), ProxyConfigs.TcpProxy(ProxyConfigs.RefusingLoopbackEndPoint()));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

        var outcome = await client.ReadOutcomeAsync(Prompt);

        Assert.NotEqual(ReadOutcome.StillOpen, outcome);
        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connection closed");
        Assert.Equal(1, proxy.Cluster("upstream_cx_connect_fail"));
        Assert.Equal(0, proxy.Cluster("upstream_cx_connect_timeout"));
        Assert.Equal(1, proxy.Tcp("downstream_cx_total"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Connect_UpstreamNeverAnswers_TimesOutClosesDownstreamAndCounts()
    {
        // A listener whose accept queue is full: Linux drops further SYNs, so a connect to it just waits.
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackHole.Listen(0);
        var target = (IPEndPoint)blackHole.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                try
                {
                    await filler.ConnectAsync(target, attempt.Token);
                }
                catch (OperationCanceledException)
                {
                    break; // The queue is full now.
                }
            }

            await using var proxy = await ProxyHarness.StartAsync(
                CreateTransport(), ProxyConfigs.TcpProxy(target, connectTimeout: TimeSpan.FromMilliseconds(300)));
            using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);

            var outcome = await client.ReadOutcomeAsync(Prompt);

            Assert.NotEqual(ReadOutcome.StillOpen, outcome);
            await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connection closed");
            Assert.Equal(1, proxy.Cluster("upstream_cx_connect_timeout"));
            Assert.Equal(1, proxy.Cluster("upstream_cx_connect_fail"));
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task UpstreamReset_MidStream_ClientSeesResetAndCountersRight()
    {
        const int Sent = 64 * 1024;
        var resetNow = new TaskCompletionSource();
        await using var upstream = new TestUpstream(async socket =>
        {
            await socket.SendAsync(new byte[Sent], SocketFlags.None);
            await resetNow.Task;
            socket.ResetClose();
        });
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        await client.ReceiveExactlyAsync(Sent);

        resetNow.SetResult();
        var outcome = await client.ReadOutcomeAsync(Prompt);

        Assert.Equal(ReadOutcome.Reset, outcome);
        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connection closed");
        Assert.Equal(Sent, proxy.Cluster("upstream_cx_rx_bytes_total"));
        Assert.Equal(1, proxy.Cluster("upstream_cx_destroy_remote"));
        Assert.Equal(0, proxy.Cluster("upstream_cx_destroy_local"));
        Assert.True(proxy.Transport.Accepted.Single().WasReset);
    }

    [Fact(Timeout = 30_000)]
    public async Task DownstreamReset_MidStream_UpstreamSeesReset()
    {
        var upstreamOutcome = new TaskCompletionSource<ReadOutcome>();
        var gotFirstBytes = new TaskCompletionSource();
        await using var upstream = new TestUpstream(async socket =>
        {
            await socket.ReceiveExactlyAsync(1000);
            gotFirstBytes.SetResult();
            upstreamOutcome.SetResult(await socket.ReadOutcomeAsync(Prompt));
        });
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint));
        var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        await client.SendAsync(new byte[1000], SocketFlags.None);
        await gotFirstBytes.Task.WaitAsync(Prompt);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        client.ResetClose();

        Assert.Equal(ReadOutcome.Reset, await upstreamOutcome.Task.WaitAsync(Prompt));
        _output.WriteLine($"upstream saw the reset after {watch.Elapsed.TotalMilliseconds} ms");
        await ProxyHarness.WaitUntilAsync(() => proxy.Runtime.ConnectionCount == 0, Prompt, "connection closed");
        Assert.Equal(1, proxy.Cluster("upstream_cx_destroy_local"));
        Assert.True(proxy.Transport.Connected.Single().WasReset);
    }

    [Fact(Timeout = 30_000)]
    public async Task IdleTimeout_NoBytesEitherWay_ClosesBothSidesAndCounts()
    {
        var upstreamOutcome = new TaskCompletionSource<ReadOutcome>();
        await using var upstream = new TestUpstream(async socket =>
        {
            await socket.ReceiveExactlyAsync(5);
            await socket.SendAsync(Encoding.ASCII.GetBytes("pong"), SocketFlags.None);
            upstreamOutcome.SetResult(await socket.ReadOutcomeAsync(Prompt));
        });
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint, idleTimeout: TimeSpan.FromMilliseconds(500)));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        await client.SendAsync(Encoding.ASCII.GetBytes("ping!"), SocketFlags.None);
        await client.ReceiveExactlyAsync(4);
        var idleFrom = System.Diagnostics.Stopwatch.StartNew();

        var clientOutcome = await client.ReadOutcomeAsync(Prompt);
        var closedAfter = idleFrom.Elapsed;

        Assert.Equal(ReadOutcome.Eof, clientOutcome);
        Assert.Equal(ReadOutcome.Eof, await upstreamOutcome.Task.WaitAsync(Prompt));
        Assert.InRange(closedAfter, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        Assert.Equal(1, proxy.Tcp("idle_timeout"));
    }

    [Fact(Timeout = 60_000)]
    public async Task SlowReader_UpstreamFloods_ProxyBufferStaysBoundedAndUpstreamBlocks()
    {
        const uint Limit = 256 * 1024;
        const long Total = 64L * 1024 * 1024;
        long upstreamSent = 0;
        await using var upstream = new TestUpstream(async socket =>
        {
            var chunk = new byte[64 * 1024];
            while (Volatile.Read(ref upstreamSent) < Total)
            {
                var n = await socket.SendAsync(chunk, SocketFlags.None);
                Interlocked.Add(ref upstreamSent, n);
            }

            socket.Shutdown(SocketShutdown.Send);
        });
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint, bufferLimit: Limit));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        await ProxyHarness.WaitUntilAsync(() => !proxy.Transport.Connected.IsEmpty, Prompt, "upstream connected");
        var downstreamSide = proxy.Transport.Accepted.Single();
        var upstreamSide = proxy.Transport.Connected.Single();
        long InProxy() => upstreamSide.BytesReceived - downstreamSide.BytesSent;

        // The client reads nothing. Sample until the upstream's sends have stopped moving for half a second.
        long maxInProxy = 0;
        long lastSent = -1;
        var stalledSince = System.Diagnostics.Stopwatch.StartNew();
        while (stalledSince.Elapsed < TimeSpan.FromMilliseconds(500))
        {
            maxInProxy = Math.Max(maxInProxy, InProxy());
            var sent = Volatile.Read(ref upstreamSent);
            if (sent != lastSent)
            {
                lastSent = sent;
                stalledSince.Restart();
            }

            await Task.Delay(20);
        }

        _output.WriteLine($"upstream stalled after {lastSent} bytes; proxy held at most {maxInProxy} bytes, now {InProxy()} (limit {Limit})");
        Assert.True(lastSent < Total / 2, $"upstream was not blocked: it sent {lastSent} bytes");
        Assert.True(maxInProxy <= 3 * Limit, $"proxy buffered {maxInProxy} bytes, limit {Limit}");
        Assert.True(InProxy() >= Limit / 2, $"expected the proxy's buffers to be in use, held {InProxy()}");

        var (count, _) = await client.ReceiveToEndHashedAsync();
        Assert.Equal(Total, count);
    }

    [Fact(Timeout = 30_000)]
    public async Task Proxy_UnhealthyHostConfigured_OnlyHealthyHostServes()
    {
        await using var upstream = TestUpstream.Echo();
        var endpoints = System.Collections.Immutable.ImmutableArray.Create(
            ProxyConfigs.Endpoint(ProxyConfigs.RefusingLoopbackEndPoint(), health: EndpointHealth.Unhealthy),
            ProxyConfigs.Endpoint(upstream.EndPoint));
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(endpoints));

        for (var i = 0; i < 4; i++)
        {
            using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
            await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(new byte[] { 1, 2, 3 }, await client.ReceiveToEndAsync());
        }

        Assert.Equal(4, upstream.AcceptedCount);
        Assert.Equal(0, proxy.Cluster("upstream_cx_connect_fail"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Listener_MaxConnectionsTwo_ThirdClosedAndOverflowCounted()
    {
        await using var upstream = TestUpstream.Echo();
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint, maxConnections: 2));
        using var first = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        using var second = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        foreach (var client in new[] { first, second })
        {
            await client.SendAsync(new byte[] { 42 }, SocketFlags.None);
            await client.ReceiveExactlyAsync(1);
        }

        using var third = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        var outcome = await third.ReadOutcomeAsync(Prompt);

        Assert.NotEqual(ReadOutcome.StillOpen, outcome);
        Assert.Equal(1, proxy.Counter(proxy.ListenerPrefix + "downstream_cx_overflow"));
        Assert.Equal(2, proxy.Counter(proxy.ListenerPrefix + "downstream_cx_total"));
        await first.SendAsync(new byte[] { 7 }, SocketFlags.None);
        Assert.Equal(new byte[] { 7 }, await first.ReceiveExactlyAsync(1));
    }

    [Fact(Timeout = 30_000)]
    public async Task Listener_Ipv6Loopback_ProxiesData()
    {
        if (!Socket.OSSupportsIPv6 || !CanBind(IPAddress.IPv6Loopback))
        {
            return; // No IPv6 loopback on this machine: nothing to test.
        }

        await using var upstream = TestUpstream.Echo(IPAddress.IPv6Loopback);
        await using var proxy = await ProxyHarness.StartAsync(
            CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint, listenAddress: IPAddress.IPv6Loopback));
        using var client = await SocketTestExtensions.ConnectAsync(proxy.EndPoint);
        await client.SendAsync(Encoding.ASCII.GetBytes("over v6"), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(AddressFamily.InterNetworkV6, proxy.EndPoint.AddressFamily);
        Assert.NotEqual(0, proxy.EndPoint.Port);
        Assert.Equal("over v6", Encoding.ASCII.GetString(await client.ReceiveToEndAsync()));
        Assert.Equal(1, proxy.Counter("listener.[__1]_" + proxy.EndPoint.Port + ".downstream_cx_total"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Apply_AddressTaken_ReportsFailureNamingTheAddress()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfig.Empty);

        var result = await proxy.Runtime.ApplyAsync(ProxyConfigs.TcpProxy(ProxyConfigs.RefusingLoopbackEndPoint(), listenPort: port));

        var failure = Assert.Single(result.Failures);
        Assert.Equal(ProxyConfigs.ListenerName, failure.ListenerName);
        Assert.Contains("127.0.0.1:" + port, failure.Message, StringComparison.Ordinal);
        Assert.Empty(proxy.Runtime.Listeners);
        Assert.Empty(proxy.Runtime.Config.Listeners);
    }

    [Fact(Timeout = 30_000)]
    public async Task Bind_SameAddressTwice_SecondThrowsAddressInUse()
    {
        await using var transport = CreateTransport();
        await using var first = transport.Bind(new IPEndPoint(IPAddress.Loopback, 0), ConnectionOptions.Default);

        var error = Assert.Throws<SocketException>(() => transport.Bind(first.EndPoint, ConnectionOptions.Default));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Apply_ListenerRemoved_StopsAcceptingButOpenConnectionContinues()
    {
        await using var upstream = TestUpstream.Echo();
        await using var proxy = await ProxyHarness.StartAsync(CreateTransport(), ProxyConfigs.TcpProxy(upstream.EndPoint));
        var endPoint = proxy.EndPoint;
        using var client = await SocketTestExtensions.ConnectAsync(endPoint);
        await client.SendAsync(new byte[] { 1 }, SocketFlags.None);
        await client.ReceiveExactlyAsync(1);

        await proxy.Runtime.ApplyAsync(proxy.Runtime.Config with { Listeners = [] });

        Assert.Empty(proxy.Runtime.Listeners);
        await Assert.ThrowsAsync<SocketException>(() => SocketTestExtensions.ConnectAsync(endPoint));
        await client.SendAsync(new byte[] { 2 }, SocketFlags.None);
        Assert.Equal(new byte[] { 2 }, await client.ReceiveExactlyAsync(1));
    }

    private static bool CanBind(IPAddress address)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
