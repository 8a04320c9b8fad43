using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Transport;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Http.ConnectionManager;

/// <summary>
/// The HTTP/1.1 connection manager end to end over loopback with a raw HTTP upstream, for any transport: a transport
/// runs the suite by adding a subclass.
/// </summary>
public abstract partial class HttpConnectionManagerTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private static string Ok(string body = "hello", string extra = "") =>
        $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n{extra}\r\n{body}";

    /// <summary>An upstream that answers every request with <paramref name="respond"/> (null: close the connection).</summary>
    private static TestUpstream Upstream(Func<HttpMessage, string?> respond, ConcurrentQueue<HttpMessage>? seen = null) => new(async socket =>
    {
        var wire = new HttpWire(socket);
        while (await wire.ReadRequestAsync() is { } request)
        {
            seen?.Enqueue(request);
            var response = respond(request);
            if (response is null)
            {
                break;
            }

            await wire.SendAsync(response);
        }

        socket.Shutdown(SocketShutdown.Both);
    });

    protected abstract ITransport CreateTransport(int loops);

    private Task<ProxyHarness> StartAsync(ProxyConfig config, int loops = 2) =>
        ProxyHarness.StartAsync(CreateTransport(loops), config);

    private static async Task<HttpWire> ConnectAsync(ProxyHarness proxy) => new(await SocketTestExtensions.ConnectAsync(proxy.EndPoint));

    private static long Http(ProxyHarness proxy, string stat) => proxy.Counter("http." + HcmConfigs.StatPrefix + "." + stat);

    private static long ClusterStat(ProxyHarness proxy, string stat) => proxy.Counter("cluster." + HcmConfigs.ClusterName + "." + stat);

    [Fact(Timeout = 30_000)]
    public async Task Get_Routed_ForwardedWithProxyHeadersAndAnsweredWithServerAndServiceTime()
    {
        var seen = new ConcurrentQueue<HttpMessage>();
        await using var upstream = Upstream(_ => Ok(), seen);
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(200, response.Status);
        Assert.Equal("hello", response.BodyText);
        Assert.Equal("meshproxy", response.Header("server"));
        Assert.NotNull(response.Header("x-envoy-upstream-service-time"));
        Assert.True(seen.TryDequeue(out var request));
        Assert.Equal("GET /a?b=1 HTTP/1.1", request.StartLine);
        Assert.Equal("example.com", request.Header("host"));
        Assert.Equal("http", request.Header("x-forwarded-proto"));
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", request.Header("x-request-id"));
        Assert.Null(request.Header("connection"));
        Assert.Equal("15000", request.Header("x-envoy-expected-rq-timeout-ms"));
        Assert.Equal(1, Http(proxy, "downstream_rq_2xx")); // charged with the head, before the client could read it
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_total"));
    }

    [Fact(Timeout = 30_000)]
    public async Task KeepAlive_ThreeRequests_OneUpstreamConnectionReused()
    {
        await using var upstream = Upstream(r => Ok(r.Target));
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync($"GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("/" + i, (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        }

        Assert.Equal(1, upstream.AcceptedCount);
        Assert.Equal(3, Http(proxy, "downstream_rq_total"));
        Assert.Equal(1, Http(proxy, "downstream_cx_total"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Pipelined_ThreeRequestsInOneWrite_AnsweredInOrder()
    {
        await using var upstream = Upstream(r => Ok(r.Target + ":" + r.BodyText));
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync(
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n");

        Assert.Equal("/1:", (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        Assert.Equal("/2:abc", (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        Assert.Equal("/3:xy", (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
    }

    [Fact(Timeout = 30_000)]
    public async Task ChunkedRequest_ForwardedChunkedWithTrailers_ResponseRechunked()
    {
        var seen = new ConcurrentQueue<HttpMessage>();
        await using var upstream = new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            var request = (await wire.ReadRequestAsync())!;
            seen.Enqueue(request);
            // No framing: the body ends with the connection; the proxy re-frames it chunked for the HTTP/1.1 client.
            await wire.SendAsync("HTTP/1.1 200 OK\r\n\r\nstreamed body");
            socket.Shutdown(SocketShutdown.Both);
        });
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nx-trailer: t\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal("chunked", response.Header("transfer-encoding"));
        Assert.Equal("streamed body", response.BodyText);
        Assert.True(seen.TryDequeue(out var request));
        Assert.Equal("chunked", request.Header("transfer-encoding"));
        Assert.Equal("hello!", request.BodyText);
    }

    [Fact(Timeout = 30_000)]
    public async Task ExpectContinue_ProxySends100ThenForwardsBodyWithoutExpect()
    {
        var seen = new ConcurrentQueue<HttpMessage>();
        await using var upstream = Upstream(r => Ok(r.BodyText), seen);
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        var interim = await client.ReadHeadAsync().WaitAsync(Prompt);
        Assert.Equal(100, interim!.Status);
        await client.SendAsync("data");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal("data", response.BodyText);
        Assert.True(seen.TryDequeue(out var request));
        Assert.Null(request.Header("expect"));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)]
    public async Task BadRequestHead_AnsweredWithCodecStatusAndClosed_NothingForwarded(string request, int status)
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync(request);
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(status, response.Status);
        Assert.Equal("close", response.Header("connection"));
        Assert.Equal(ReadOutcome.Eof, await client.Socket.ReadOutcomeAsync(Prompt));
        Assert.Equal(0, upstream.AcceptedCount);
        Assert.Equal(1, Http(proxy, "downstream_cx_protocol_error"));
    }

    [Fact(Timeout = 30_000)]
    public async Task HeadersOverMaxRequestHeadersKb_431()
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, h => h with { MaxRequestHeadersKb = 1 }));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nx-big: " + new string('a', 2000) + "\r\n\r\n");

        Assert.Equal(431, (await client.ReadResponseAsync().WaitAsync(Prompt)).Status);
    }

    [Fact(Timeout = 30_000)]
    public async Task NoRoute_404NoRouteCounted()
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, routes: HcmConfigs.Routes(HcmConfigs.Forward("/api"))));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET /other HTTP/1.1\r\nHost: a\r\n\r\nGET /other HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(404, (await client.ReadResponseAsync().WaitAsync(Prompt)).Status);
        Assert.Equal(404, (await client.ReadResponseAsync().WaitAsync(Prompt)).Status); // Keep-alive survives a local reply.
        Assert.Equal(2, Http(proxy, "no_route"));
        Assert.Equal(2, Http(proxy, "downstream_rq_4xx"));
    }

    [Fact(Timeout = 30_000)]
    public async Task DirectResponseAndRedirect_AnsweredLocally()
    {
        var routes = HcmConfigs.Routes(
            new RouteEntryConfig("direct", new RouteMatchConfig(PathMatchKind.Path, "/direct"), new DirectResponseActionConfig(418, [.. "teapot"u8])),
            new RouteEntryConfig("redirect", new RouteMatchConfig(PathMatchKind.Path, "/old"), new RedirectActionConfig { Path = "/new", ResponseCode = 302 }));
        await using var proxy = await StartAsync(HcmConfigs.Build(ProxyConfigs.RefusingLoopbackEndPoint(), routes: routes));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET /direct HTTP/1.1\r\nHost: a\r\n\r\n");
        var direct = await client.ReadResponseAsync().WaitAsync(Prompt);
        await client.SendAsync("GET /old?q=1 HTTP/1.1\r\nHost: a.example\r\n\r\n");
        var redirect = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(418, direct.Status);
        Assert.Equal("teapot", direct.BodyText);
        Assert.Equal("text/plain", direct.Header("content-type"));
        Assert.Equal(302, redirect.Status);
        Assert.Equal("http://a.example/new?q=1", redirect.Header("location"));
    }

    [Fact(Timeout = 30_000)]
    public async Task UpstreamRefused_503ConnectFailureBody()
    {
        await using var proxy = await StartAsync(HcmConfigs.Build(ProxyConfigs.RefusingLoopbackEndPoint()));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(503, response.Status);
        Assert.Equal("upstream connect error or disconnect/reset before headers. reset reason: connection failure", response.BodyText);
        Assert.Equal("text/plain", response.Header("content-type"));
        Assert.Equal(1, ClusterStat(proxy, "upstream_cx_connect_fail"));
    }

    [Fact(Timeout = 30_000)]
    public async Task MaxRequestsZero_503OverflowWithOverloadedHeader()
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, breakers: new CircuitBreakerThresholds(1024, 1024, 0, 3)));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(503, response.Status);
        Assert.Equal("true", response.Header("x-envoy-overloaded"));
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_overflow"));
        Assert.Equal(0, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task MaxConnectionsOne_SecondConcurrentRequestWaitsPendingAndReusesTheConnection()
    {
        var release = new TaskCompletionSource();
        var first = true;
        await using var upstream = new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            while (await wire.ReadRequestAsync() is { } request)
            {
                if (first)
                {
                    first = false;
                    await release.Task;
                }

                await wire.SendAsync(Ok(request.Target));
            }
        });
        // One loop: both requests use the same pool, so the second one queues for the first one's connection.
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, breakers: new CircuitBreakerThresholds(1, 1024, 1024, 3)), loops: 1);
        var a = await ConnectAsync(proxy);
        var b = await ConnectAsync(proxy);

        await a.SendAsync("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
        await ProxyHarness.WaitUntilAsync(() => upstream.AcceptedCount == 1, Prompt, "first connection");
        await b.SendAsync("GET /b HTTP/1.1\r\nHost: a\r\n\r\n");
        await ProxyHarness.WaitUntilAsync(() => proxy.Gauge("cluster.backend.upstream_rq_pending_active") == 1 || ClusterStat(proxy, "upstream_cx_overflow") > 0, Prompt, "second request pending");
        release.SetResult();

        Assert.Equal("/a", (await a.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        Assert.Equal("/b", (await b.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        Assert.Equal(1, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task UpstreamConnectionClose_NotReused()
    {
        await using var upstream = Upstream(_ => Ok(extra: "Connection: close\r\n"));
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            var response = await client.ReadResponseAsync().WaitAsync(Prompt);
            Assert.Equal(200, response.Status);
            Assert.Null(response.Header("connection")); // Hop-by-hop: the client's connection stays open.
        }

        Assert.Equal(2, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task MalformedResponse_502()
    {
        await using var upstream = Upstream(_ => "HTTP/1.1 200 OK\r\nBad Header : x\r\n\r\n");
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync().WaitAsync(Prompt)).Status);
    }

    [Fact(Timeout = 30_000)]
    public async Task UpstreamClosesBeforeResponse_503ConnectionTermination()
    {
        await using var upstream = Upstream(_ => null);
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(503, response.Status);
        Assert.EndsWith("connection termination", response.BodyText, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task HeadRequest_ContentLengthKeptNoBodyRead()
    {
        await using var upstream = Upstream(_ => "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync(head: true).WaitAsync(Prompt);
        await client.SendAsync("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
        var second = await client.ReadResponseAsync(head: true).WaitAsync(Prompt);

        Assert.Equal("10", response.Header("content-length"));
        Assert.Equal(200, second.Status);
        Assert.Equal(1, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task RouteTimeout_504UpstreamRequestTimeout()
    {
        await using var upstream = new TestUpstream(async socket =>
        {
            await new HttpWire(socket).ReadRequestAsync();
            await Task.Delay(5000);
        });
        var routes = HcmConfigs.Routes(HcmConfigs.Forward(configure: f => f with { Timeout = TimeSpan.FromMilliseconds(300) }));
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, routes: routes));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(504, response.Status);
        Assert.Equal("upstream request timeout", response.BodyText);
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_timeout"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Retry5xx_SecondAttemptSucceeds_BodyReplayed()
    {
        var attempts = 0;
        var seen = new ConcurrentQueue<HttpMessage>();
        await using var upstream = Upstream(
            r => Interlocked.Increment(ref attempts) == 1 ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n" : Ok(r.BodyText),
            seen);
        var routes = HcmConfigs.Routes(HcmConfigs.Forward(configure: f => f with
        {
            RetryPolicy = new RetryPolicyConfig(["5xx"], 2) { BackOffBase = TimeSpan.FromMilliseconds(1), BackOffMax = TimeSpan.FromMilliseconds(2) },
        }));
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, routes: routes));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\npayload");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(200, response.Status);
        Assert.Equal("payload", response.BodyText);
        Assert.Equal(2, seen.Count);
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_retry"));
        await ProxyHarness.WaitUntilAsync(() => ClusterStat(proxy, "upstream_rq_retry_success") == 1, Prompt, "retry success counted");
    }

    [Fact(Timeout = 30_000)]
    public async Task RetryConnectFailure_NextHostServes()
    {
        await using var upstream = Upstream(_ => Ok("second"));
        var endpoints = System.Collections.Immutable.ImmutableArray.Create(
            ProxyConfigs.Endpoint(ProxyConfigs.RefusingLoopbackEndPoint()),
            ProxyConfigs.Endpoint(upstream.EndPoint));
        var routes = HcmConfigs.Routes(HcmConfigs.Forward(configure: f => f with
        {
            RetryPolicy = new RetryPolicyConfig(["connect-failure"], 3) { BackOffBase = TimeSpan.FromMilliseconds(1) },
        }));
        await using var proxy = await StartAsync(HcmConfigs.Build(endpoints, routes: routes));

        for (var i = 0; i < 4; i++)
        {
            var client = await ConnectAsync(proxy);
            await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("second", (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Http10_ClosedAfterResponseUnlessKeepAlive()
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));

        var keep = await ConnectAsync(proxy);
        await keep.SendAsync("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var kept = await keep.ReadResponseAsync().WaitAsync(Prompt);
        Assert.Equal("keep-alive", kept.Header("connection"));

        var close = await ConnectAsync(proxy);
        await close.SendAsync("GET / HTTP/1.0\r\n\r\n");
        Assert.Equal("close", (await close.ReadResponseAsync().WaitAsync(Prompt)).Header("connection"));
        Assert.Equal(ReadOutcome.Eof, await close.Socket.ReadOutcomeAsync(Prompt));
    }

    [Fact(Timeout = 30_000)]
    public async Task MaxRequestsPerConnection_LastResponseClosesTheConnection()
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, h => h with { MaxRequestsPerConnection = 2 }));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Null((await client.ReadResponseAsync().WaitAsync(Prompt)).Header("connection"));
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("close", (await client.ReadResponseAsync().WaitAsync(Prompt)).Header("connection"));
        Assert.Equal(ReadOutcome.Eof, await client.Socket.ReadOutcomeAsync(Prompt));
    }

    [Fact(Timeout = 30_000)]
    public async Task ConnectionIdleTimeout_ClosesIdleConnection()
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, h => h with { IdleTimeout = TimeSpan.FromMilliseconds(200) }));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(ReadOutcome.Eof, await client.Socket.ReadOutcomeAsync(Prompt));
        Assert.Equal(1, Http(proxy, "downstream_cx_idle_timeout"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ListenerDrains_IdleConnectionClosed()
    {
        await using var upstream = Upstream(_ => Ok());
        var config = HcmConfigs.Build(upstream.EndPoint);
        await using var proxy = await StartAsync(config);
        var client = await ConnectAsync(proxy);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        await client.ReadResponseAsync().WaitAsync(Prompt);

        await proxy.Runtime.ApplyAsync(config with { Listeners = [] });

        Assert.Equal(ReadOutcome.Eof, await client.Socket.ReadOutcomeAsync(Prompt));
        Assert.Equal(1, Http(proxy, "downstream_cx_drain_close"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Rds_RouteTableLookedUpByName()
    {
        await using var upstream = Upstream(_ => Ok("rds"));
        var table = HcmConfigs.Routes(HcmConfigs.Forward()) with { Name = "rds-routes" };
        var config = HcmConfigs.Build(upstream.EndPoint, h => h with { RouteConfig = null, RdsRouteConfigName = "rds-routes" });
        await using var proxy = await StartAsync(config with { Routes = [table] });
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal("rds", (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
    }

    [Fact(Timeout = 30_000)]
    public async Task UseRemoteAddress_AppendsClientToXForwardedFor()
    {
        var seen = new ConcurrentQueue<HttpMessage>();
        await using var upstream = Upstream(_ => Ok(), seen);
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, h => h with { UseRemoteAddress = true }));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\nX-Request-Id: mine\r\n\r\n");
        await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.True(seen.TryDequeue(out var request));
        Assert.Equal("10.0.0.1, 127.0.0.1", request.Header("x-forwarded-for"));
        Assert.Equal("http", request.Header("x-forwarded-proto"));
        Assert.Equal("mine", request.Header("x-request-id"));
    }

    [Fact(Timeout = 30_000)]
    public async Task WebSocketUpgrade_101ThenBytesTunnelledBothWays()
    {
        await using var upstream = new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            var request = await wire.ReadRequestAsync();
            Assert.Equal("websocket", request!.Header("upgrade"));
            await wire.SendAsync("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
            var ping = await wire.ReadExactlyAsync(4);
            await wire.SendAsync([.. "pong"u8, .. ping]);
            socket.Shutdown(SocketShutdown.Send);
        });
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        var head = await client.ReadHeadAsync().WaitAsync(Prompt);
        await client.SendAsync("ping");

        Assert.Equal(101, head!.Status);
        Assert.Equal("websocket", head.Header("upgrade"));
        Assert.Equal("pongping", Encoding.ASCII.GetString(await client.ReadExactlyAsync(8).WaitAsync(Prompt)));
        Assert.Equal(1, Http(proxy, "downstream_cx_upgrades_total"));
    }

    [Fact(Timeout = 60_000)]
    public async Task LargeBodies_8MiBEachWay_StreamedByteExact()
    {
        const int Size = 8 * 1024 * 1024;
        await using var upstream = new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            var head = (await wire.ReadHeadAsync())!;
            var body = await wire.ReadExactlyAsync(Size);
            await wire.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {Size}\r\n\r\n");
            await wire.SendAsync(body);
        });
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, bufferLimit: 64 * 1024));
        var client = await ConnectAsync(proxy);
        var payload = new byte[Size];
        new PseudoRandomBytes(7).Fill(payload);

        var send = Task.Run(async () =>
        {
            await client.SendAsync($"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {Size}\r\n\r\n");
            await client.SendAsync(payload);
        });
        var response = await client.ReadResponseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await send;

        Assert.Equal(200, response.Status);
        Assert.True(payload.AsSpan().SequenceEqual(response.Body));
    }
    [Fact(Timeout = 30_000)]
    public async Task RequestTimeout_BodyNeverFinishes_408AndClose()
    {
        await using var upstream = Upstream(_ => Ok());
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, h => h with { RequestTimeout = TimeSpan.FromMilliseconds(300) }));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(408, response.Status);
        Assert.Equal("request timeout", response.BodyText);
        Assert.Equal("close", response.Header("connection"));
        Assert.Equal(1, Http(proxy, "downstream_rq_timeout"));
    }

    [Fact(Timeout = 30_000)]
    public async Task StreamIdleTimeout_UpstreamSilent_408StreamTimeout()
    {
        await using var upstream = new TestUpstream(async socket =>
        {
            await new HttpWire(socket).ReadRequestAsync();
            await Task.Delay(5000);
        });
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, h => h with { StreamIdleTimeout = TimeSpan.FromMilliseconds(300) }));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(408, response.Status);
        Assert.Equal("stream timeout", response.BodyText);
        Assert.Equal(1, Http(proxy, "downstream_rq_idle_timeout"));
    }

    [Fact(Timeout = 30_000)]
    public async Task PerTryTimeout_FirstAttemptSilent_RetriedOnFreshConnection()
    {
        var attempts = 0;
        await using var upstream = new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            while (await wire.ReadRequestAsync() is not null)
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    await Task.Delay(5000);
                    return;
                }

                await wire.SendAsync(Ok("second try"));
            }
        });
        var routes = HcmConfigs.Routes(HcmConfigs.Forward(configure: f => f with
        {
            RetryPolicy = new RetryPolicyConfig(["reset"], 1) { PerTryTimeout = TimeSpan.FromMilliseconds(300), BackOffBase = TimeSpan.FromMilliseconds(1) },
        }));
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, routes: routes));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal("second try", (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_per_try_timeout"));
        Assert.Equal(2, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task ListenerDrains_DuringRequest_ResponseCarriesConnectionClose()
    {
        var release = new TaskCompletionSource();
        await using var upstream = new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            await wire.ReadRequestAsync();
            await release.Task;
            await wire.SendAsync(Ok());
        });
        var config = HcmConfigs.Build(upstream.EndPoint);
        await using var proxy = await StartAsync(config);
        var client = await ConnectAsync(proxy);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        await ProxyHarness.WaitUntilAsync(() => upstream.AcceptedCount == 1, Prompt, "request upstream");

        await proxy.Runtime.ApplyAsync(config with { Listeners = [] });
        release.SetResult();
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(200, response.Status);
        Assert.Equal("close", response.Header("connection"));
        Assert.Equal(ReadOutcome.Eof, await client.Socket.ReadOutcomeAsync(Prompt));
    }
    [Fact(Timeout = 30_000)]
    public async Task RouteRewritesAndHeaderMutations_AppliedBothWays()
    {
        var seen = new ConcurrentQueue<HttpMessage>();
        await using var upstream = Upstream(_ => Ok(extra: "X-Secret: s\r\n"), seen);
        var route = HcmConfigs.Forward("/old", f => f with { PrefixRewrite = "/new", HostRewriteLiteral = "internal.svc" }) with
        {
            Headers = new HeaderMutationConfig
            {
                RequestHeadersToAdd = [new HeaderValueOptionConfig("x-added", "%REQ(x-client)%-v", HeaderAppendAction.OverwriteIfExistsOrAdd)],
                RequestHeadersToRemove = ["x-drop"],
                ResponseHeadersToAdd = [new HeaderValueOptionConfig("x-resp", "r", HeaderAppendAction.AppendIfExistsOrAdd)],
                ResponseHeadersToRemove = ["x-secret"],
            },
        };
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, routes: HcmConfigs.Routes(route)));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET /old/x?q=1 HTTP/1.1\r\nHost: public\r\nX-Client: c\r\nX-Drop: d\r\n\r\n");
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal("r", response.Header("x-resp"));
        Assert.Null(response.Header("x-secret"));
        Assert.True(seen.TryDequeue(out var request));
        Assert.Equal("/new/x?q=1", request.Target);
        Assert.Equal("internal.svc", request.Header("host"));
        Assert.Equal("c-v", request.Header("x-added"));
        Assert.Null(request.Header("x-drop"));
    }
    [Fact(Timeout = 30_000)]
    public async Task UpstreamClosesIdleKeepAliveConnection_PoolClosesItsSide()
    {
        await using var upstream = new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            await wire.ReadRequestAsync();
            await wire.SendAsync(Ok());
            socket.Shutdown(SocketShutdown.Send); // Keep-alive response, then the server closes the idle connection.
            await socket.ReceiveToEndAsync();
        });
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint));
        var client = await ConnectAsync(proxy);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync().WaitAsync(Prompt)).Status);

        await ProxyHarness.WaitUntilAsync(() => ClusterStat(proxy, "upstream_cx_destroy") == 1, Prompt, "idle connection closed by the pool");
        Assert.Equal(0, proxy.Gauge("cluster." + HcmConfigs.ClusterName + ".upstream_cx_active"));
    }
}
