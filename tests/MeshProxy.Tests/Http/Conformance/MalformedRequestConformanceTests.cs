using System.Text;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// Request smuggling and malformed heads, over a raw socket: each is answered with the codec's status
/// (src/MeshProxy.Protocols.Http1/README.md: 400, 431 for limits, 501 for unknown codings, 505 for versions), the
/// connection is closed, and the upstream never sees the request nor anything smuggled behind it.
/// </summary>
public sealed class MalformedRequestConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Smuggled = "GET /smuggled HTTP/1.1\r\nHost: evil.test\r\n\r\n";

    private const string Routes = """
        virtual_hosts:
        - name: malformed
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route: { cluster: a }
        """;

    [Fact(Timeout = 20_000)]
    public Task ContentLengthWithTransferEncoding_Smuggling_Rejected400() => AssertRejectedAsync(
        "POST /cl-te HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + Smuggled, 400);

    [Fact(Timeout = 20_000)]
    public Task TransferEncodingWithContentLength_Smuggling_Rejected400() => AssertRejectedAsync(
        "POST /te-cl HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n0\r\n\r\n" + Smuggled, 400);

    [Fact(Timeout = 20_000)]
    public Task DuplicateContentLength_DifferentValues_Rejected400() => AssertRejectedAsync(
        "POST /dup-cl HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n" + Smuggled, 400);

    [Fact(Timeout = 20_000)]
    public Task ContentLength_Invalid_Rejected400() => AssertRejectedAsync(
        "POST /bad-cl HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nbody", 400);

    [Fact(Timeout = 20_000)]
    public Task ContentLength_ListOfDifferentValues_Rejected400() => AssertRejectedAsync(
        "POST /list-cl HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 44\r\n\r\n" + Smuggled, 400);

    [Fact(Timeout = 20_000)]
    public Task TransferEncoding_UnknownCoding_Rejected501() => AssertRejectedAsync(
        "POST /gzip-te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);

    [Fact(Timeout = 20_000)]
    public Task TransferEncoding_ChunkedNotLast_Rejected400() => AssertRejectedAsync(
        "POST /chunked-first HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task ObsFold_ContinuationLine_Rejected400() => AssertRejectedAsync(
        "GET /obs-fold HTTP/1.1\r\nHost: x\r\nX-Folded: first\r\n second\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task BareLf_InHead_Rejected400() => AssertRejectedAsync(
        "GET /bare-lf HTTP/1.1\nHost: x\n\n", 400);

    [Fact(Timeout = 20_000)]
    public Task BareLf_AfterOneHeaderLine_Rejected400() => AssertRejectedAsync(
        "GET /bare-lf-2 HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task HeaderValue_ControlCharacter_Rejected400() => AssertRejectedAsync(
        "GET /ctl HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task HeaderName_SpaceBeforeColon_Rejected400() => AssertRejectedAsync(
        "GET /space HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task HeaderName_NonTokenCharacter_Rejected400() => AssertRejectedAsync(
        "GET /name HTTP/1.1\r\nHost: x\r\nX(Bad): y\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task Host_MissingOnHttp11_Rejected400() => AssertRejectedAsync(
        "GET /no-host HTTP/1.1\r\nUser-Agent: test\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task Host_Duplicated_Rejected400() => AssertRejectedAsync(
        "GET /two-hosts HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public Task Headers_OverSixtyKiB_Rejected431() => AssertRejectedAsync(
        "GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 61 * 1024) + "\r\n\r\n", 431);

    [Fact(Timeout = 20_000)]
    public Task Headers_MoreThanHundred_Rejected431() => AssertRejectedAsync(
        "GET /many HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 101).Select(i => $"X-H{i}: v\r\n")) + "\r\n", 431);

    [Fact(Timeout = 20_000)]
    public Task Version_Http2OverHttp1Framing_Rejected505() => AssertRejectedAsync(
        "GET /v2 HTTP/2.0\r\nHost: x\r\n\r\n", 505);

    [Fact(Timeout = 20_000)]
    public Task RequestLine_Garbage_Rejected400() => AssertRejectedAsync(
        "THIS IS NOT HTTP\r\n\r\n", 400);

    [Fact(Timeout = 20_000)]
    public async Task ChunkSize_NotHex_Rejected400AndNothingSmuggled()
    {
        // A streaming proxy may forward the (valid) head before it reaches the bad chunk; Envoy does too. What must
        // hold: the client gets 400 and a close, the upstream never gets a complete body, nothing smuggled arrives.
        await using var rig = await StartAsync();
        var uploads = upstreams.A.CompletedUploads;
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n" + Smuggled);

        var response = await raw.ReadResponseAsync();
        Assert.Equal(400, response.Status);
        Assert.True(await raw.ClosesWithinAsync(TimeSpan.FromSeconds(5)), "the connection must close after a framing error");
        await Task.Delay(200);
        Assert.Equal(uploads, upstreams.A.CompletedUploads);
        Assert.DoesNotContain("/smuggled", upstreams.A.Targets);
    }

    [Fact(Timeout = 20_000)]
    public async Task ValidRequest_SameRig_ReachesUpstream()
    {
        // The control: the rig forwards a well-formed request, so the rejections above are the proxy's doing.
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("POST /fine HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal(4, UpstreamEcho.Parse(response.BodyText).BodyLength);
    }

    private async Task AssertRejectedAsync(string request, int status)
    {
        await using var rig = await StartAsync();
        var requests = upstreams.A.RequestCount;
        var connections = upstreams.A.ConnectionCount;
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync(Encoding.Latin1.GetBytes(request));

        var response = await raw.ReadResponseAsync();
        Assert.Equal(status, response.Status);
        Assert.True(await raw.ClosesWithinAsync(TimeSpan.FromSeconds(5)), "the connection must close after a rejected request");
        await Task.Delay(100);
        Assert.Equal(requests, upstreams.A.RequestCount);
        Assert.Equal(connections, upstreams.A.ConnectionCount);
        Assert.DoesNotContain("/smuggled", upstreams.A.Targets);
    }

    private Task<HttpProxyRig> StartAsync() => HttpProxyRig.StartAsync(Routes, upstreams.Clusters);
}
