using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// HTTP/1.1 corners where proxies commonly go wrong: bodiless responses, close-delimited upstream bodies, hop-by-hop
/// fields, absolute-form targets, retried bodies, aborts in both directions, and upstream connections that go away.
/// </summary>
public sealed class ProtocolEdgeConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Routes = """
        virtual_hosts:
        - name: edges
          domains: ["*"]
          routes:
          - match: { prefix: "/retry/" }
            route:
              cluster: a
              prefix_rewrite: "/"
              retry_policy: { retry_on: "5xx", num_retries: 2 }
          - match: { prefix: "/raw" }
            route: { cluster: raw }
          - match: { prefix: "/" }
            route: { cluster: a }
        """;

    [Fact(Timeout = 20_000)]
    public async Task Head_ResponseWithContentLength_NoBodyAndConnectionReusable()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("HEAD /bytes/5000 HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        var head = await raw.ReadResponseAsync(headRequest: true);
        Assert.Equal(200, head.Status);
        Assert.Equal("5000", head.Header("content-length"));

        // Had the proxy sent a body after the HEAD response, it would be read here as the next status line.
        await raw.SendAsync("GET /after-head HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        var next = await raw.ReadResponseAsync();
        Assert.Equal(200, next.Status);
        Assert.Equal("/after-head", UpstreamEcho.Parse(next.BodyText).Target);
    }

    [Fact(Timeout = 20_000)]
    public async Task Status204And304_NoBody_ConnectionReusable()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        foreach (var status in new[] { 204, 304 })
        {
            await raw.SendAsync($"GET /status/{status} HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            var response = await raw.ReadResponseAsync();
            Assert.True(status == response.Status, $"expected {status}, got {response.StatusLine}: {response.BodyText}");
            Assert.Empty(response.Body);
        }

        await raw.SendAsync("GET /after HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        Assert.Equal(200, (await raw.ReadResponseAsync()).Status);
    }

    [Fact(Timeout = 20_000)]
    public async Task UpstreamCloseDelimitedBody_Reframed_ClientGetsWholeBody()
    {
        var body = string.Concat(Enumerable.Repeat("close-delimited body ", 500));
        await using var upstream = new TestUpstream(async socket =>
        {
            await socket.ReadRequestHeadAsync();
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + body), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Both);
        });
        await using var rig = await StartAsync(upstream.EndPoint);
        using var response = await rig.GetAsync("/raw");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 20_000)]
    public async Task UpstreamEarlyResponse_BeforeRequestBodyEnds_ClientGetsIt()
    {
        // A server may answer (413, 401...) before the body is in and close; the client must see that answer.
        await using var upstream = new TestUpstream(async socket =>
        {
            await socket.ReadRequestHeadAsync();
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big\n"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            await Task.Delay(1000);
        });
        await using var rig = await StartAsync(upstream.EndPoint);
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("POST /raw HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 10000000\r\n\r\n" + new string('x', 1000));
        var response = await raw.ReadResponseAsync();
        Assert.Equal(413, response.Status);
        Assert.Equal("too big\n", response.BodyText);
    }

    [Fact(Timeout = 20_000)]
    public async Task Pipelining_PostWithBodyThenGet_BothAnsweredInOrder()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync(
            "POST /first HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 11\r\n\r\nhello world" +
            "GET /second HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        var first = UpstreamEcho.Parse((await raw.ReadResponseAsync()).BodyText);
        var second = UpstreamEcho.Parse((await raw.ReadResponseAsync()).BodyText);
        Assert.Equal(("/first", 11L), (first.Target, first.BodyLength));
        Assert.Equal(("/second", 0L), (second.Target, second.BodyLength));
    }

    [Fact(Timeout = 20_000)]
    public async Task Pipelining_ValidThenMalformed_FirstAnsweredThen400AndClose()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync(
            "GET /valid-first HTTP/1.1\r\nHost: edge.test\r\n\r\n" +
            "POST /malformed-second HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
        var first = await raw.ReadResponseAsync();
        Assert.Equal("/valid-first", UpstreamEcho.Parse(first.BodyText).Target);
        var second = await raw.ReadResponseAsync();
        Assert.Equal(400, second.Status);
        Assert.True(await raw.ClosesWithinAsync(TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain("/malformed-second", upstreams.A.Targets);
    }

    [Fact(Timeout = 20_000)]
    public async Task RepeatedHeaderFields_AllValuesForwardedInOrder()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("GET /multi HTTP/1.1\r\nHost: edge.test\r\nx-multi: first\r\nX-Multi: second\r\nx-multi: third\r\n\r\n");
        var echo = UpstreamEcho.Parse((await raw.ReadResponseAsync()).BodyText);
        Assert.Equal(["first", "second", "third"], echo.Header("x-multi")!.Split(',').Select(v => v.Trim()));
    }

    [Fact(Timeout = 20_000)]
    public async Task Target_LongAndUnnormalized_ForwardedVerbatim()
    {
        // Envoy does not normalise paths unless normalize_path is set; a proxy must not quietly rewrite them.
        await using var rig = await StartAsync();
        var target = "/x/%2F/../y/./z?q=%20a&q=b&long=" + new string('v', 8000);
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync($"GET {target} HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal(target, UpstreamEcho.Parse(response.BodyText).Target);
    }

    [Fact(Timeout = 20_000)]
    public async Task HopByHopHeaders_FromClient_NotForwarded()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync(
            "GET /hop HTTP/1.1\r\nHost: edge.test\r\nConnection: keep-alive, x-private\r\nx-private: secret\r\n" +
            "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nx-end-to-end: kept\r\n\r\n");
        var echo = UpstreamEcho.Parse((await raw.ReadResponseAsync()).BodyText);

        Assert.Null(echo.Header("x-private"));
        Assert.Null(echo.Header("keep-alive"));
        Assert.Null(echo.Header("proxy-connection"));
        Assert.Equal("kept", echo.Header("x-end-to-end"));
    }

    [Fact(Timeout = 20_000)]
    public async Task HopByHopHeaders_FromUpstream_NotForwarded()
    {
        await using var upstream = new TestUpstream(async socket =>
        {
            await socket.ReadRequestHeadAsync();
            await socket.SendAsync(Encoding.ASCII.GetBytes(
                "HTTP/1.1 200 OK\r\nConnection: x-upstream-private\r\nx-upstream-private: 1\r\nKeep-Alive: timeout=9\r\n" +
                "x-end-to-end: kept\r\nContent-Length: 2\r\n\r\nok"), SocketFlags.None);
            await Task.Delay(500);
        });
        await using var rig = await StartAsync(upstream.EndPoint);
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("GET /raw HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("ok", response.BodyText);
        Assert.Null(response.Header("x-upstream-private"));
        Assert.Null(response.Header("keep-alive"));
        Assert.Equal("kept", response.Header("x-end-to-end"));
    }

    [Fact(Timeout = 20_000)]
    public async Task AbsoluteFormTarget_RoutedByItsAuthority_UpstreamGetsOriginForm()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("GET http://absolute.test/abs/path?q=1 HTTP/1.1\r\nHost: absolute.test\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("/abs/path?q=1", UpstreamEcho.Parse(response.BodyText).Target);
    }

    [Fact(Timeout = 20_000)]
    public async Task RetryPolicy_PostWithBody_RetriedTryCarriesTheWholeBody()
    {
        await using var rig = await StartAsync();
        var key = Guid.NewGuid().ToString("N");
        var payload = new byte[200_000];
        new PseudoRandomBytes(9).Fill(payload);
        using var content = new ByteArrayContent(payload);
        using var response = await rig.Client.PostAsync($"/retry/flaky/{key}?fail=1", content);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal(2, upstreams.A.Attempts(key));
        Assert.Equal(payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), UpstreamEcho.Parse(text).Header("content-length"));
    }

    [Fact(Timeout = 20_000)]
    public async Task UpstreamConnectionClose_NextRequestOnSameDownstream_Succeeds()
    {
        var served = 0;
        await using var upstream = new TestUpstream(async socket =>
        {
            // One response per connection, then close, as an HTTP/1.1 server that says Connection: close.
            await socket.ReadRequestHeadAsync();
            var n = Interlocked.Increment(ref served);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n{n % 10}"), SocketFlags.None);
            socket.Shutdown(SocketShutdown.Both);
        });
        await using var rig = await StartAsync(upstream.EndPoint);
        using var raw = await rig.ConnectRawAsync();
        for (var i = 1; i <= 5; i++)
        {
            await raw.SendAsync("GET /raw HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            var response = await raw.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal((i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture), response.BodyText);
        }

        Assert.Equal(5, upstream.AcceptedCount);
    }

    [Fact(Timeout = 20_000)]
    public async Task PooledUpstreamConnection_ClosedByUpstreamWhileIdle_NextRequestStillSucceeds()
    {
        await using var upstream = new TestUpstream(async socket =>
        {
            // Keep-alive without saying so, then give up on the idle connection, as servers with short idle timeouts do.
            await socket.ReadRequestHeadAsync();
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), SocketFlags.None);
            await Task.Delay(100);
            socket.Shutdown(SocketShutdown.Both);
        });
        await using var rig = await StartAsync(upstream.EndPoint);
        for (var i = 0; i < 3; i++)
        {
            using var response = await rig.GetAsync("/raw");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(400);
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task ClientAbort_MidRequestBody_UpstreamRequestAborted()
    {
        await using var rig = await StartAsync();
        var uploads = upstreams.A.CompletedUploads;
        var before = upstreams.A.RequestCount;
        using (var raw = await rig.ConnectRawAsync())
        {
            await raw.SendAsync("POST /upload HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 100000\r\n\r\n" + new string('x', 1000));
            await ProxyHarness.WaitUntilAsync(() => upstreams.A.RequestCount > before, TimeSpan.FromSeconds(5), "the upstream saw the request start");
            raw.Socket.ResetClose();
        }

        // The upstream must not wait forever on a body that will never come: its read fails and nothing completes.
        await Task.Delay(500);
        Assert.Equal(uploads, upstreams.A.CompletedUploads);
        Assert.Equal(0, await CountActiveProxyConnectionsAsync(rig));
    }

    [Fact(Timeout = 20_000)]
    public async Task Http10_KeepAliveWithContentLength_ConnectionStaysOpenForASecondRequest()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        for (var i = 0; i < 2; i++)
        {
            await raw.SendAsync("GET /bytes/10 HTTP/1.0\r\nHost: edge.test\r\nConnection: keep-alive\r\n\r\n");
            var response = await raw.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal("10", response.Header("content-length"));
            Assert.Equal(10, response.Body.Length);
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task Http10_ResponseOfUnknownLength_CloseDelimitedNeverChunked()
    {
        // The upstream answers chunked; an HTTP/1.0 client cannot read chunked coding, so the body must end with the connection.
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("GET /chunked?n=5&size=100 HTTP/1.0\r\nHost: edge.test\r\nConnection: keep-alive\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.False(response.Chunked);
        Assert.Equal(500, response.Body.Length);
        Assert.Equal("close", response.Header("connection"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Concurrency_300ClientsAtOnce_EachGetsItsOwnAnswer()
    {
        await using var rig = await StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            using var raw = await rig.ConnectRawAsync();
            await raw.SendAsync($"POST /concurrent/{i} HTTP/1.1\r\nHost: edge.test\r\nContent-Length: {i}\r\n\r\n{new string('b', i)}");
            var echo = UpstreamEcho.Parse((await raw.ReadResponseAsync(within: TimeSpan.FromSeconds(20))).BodyText);
            Assert.Equal($"/concurrent/{i}", echo.Target);
            Assert.Equal(i, echo.BodyLength);
        }));
    }

    private static async Task<int> CountActiveProxyConnectionsAsync(HttpProxyRig rig)
    {
        await ProxyHarness.WaitUntilAsync(() => rig.Proxy.Runtime.ConnectionCount == 0, TimeSpan.FromSeconds(5), "downstream connection gone");
        return rig.Proxy.Runtime.ConnectionCount;
    }

    private Task<HttpProxyRig> StartAsync(IPEndPoint? raw = null) => HttpProxyRig.StartAsync(
        Routes, [.. upstreams.Clusters, ProxyYaml.Cluster("raw", raw ?? ProxyConfigs.RefusingLoopbackEndPoint())]);
}
