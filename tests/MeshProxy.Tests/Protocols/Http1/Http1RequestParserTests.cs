using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>Request heads: request-line forms, fields, pipelining and connection semantics. Every input is also split everywhere.</summary>
public sealed class Http1RequestParserTests
{
    [Fact]
    public void TryParseRequestHead_OriginForm_ReportsLineAndHeaders()
    {
        var c = Http1Harness.Requests("GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nX-Custom:  padded value \t\r\n\r\n");

        var m = c.Only;
        Assert.Equal(Http1Method.Get, m.Method);
        Assert.Equal("/a/b?c=d", m.Target);
        Assert.Equal(Http1TargetForm.Origin, m.TargetForm);
        Assert.Equal(Http1Version.Http11, m.Version);
        Assert.Equal([("Host", "example.com", false), ("User-Agent", "t", false), ("X-Custom", "padded value", false)], m.Headers);
        Assert.Equal(Http1BodyFraming.None, m.Info.Framing);
        Assert.True(m.Info.KeepAlive);
        Assert.Null(c.Incomplete);
    }

    [Fact]
    public void TryParseRequestHead_AbsoluteForm_Accepted()
    {
        var m = Http1Harness.Requests("GET http://example.com:8080/x?y HTTP/1.1\r\nHost: example.com:8080\r\n\r\n").Only;

        Assert.Equal(Http1TargetForm.Absolute, m.TargetForm);
        Assert.Equal("http://example.com:8080/x?y", m.Target);
    }

    [Fact]
    public void TryParseRequestHead_ConnectAuthorityForm_IsConnect()
    {
        var m = Http1Harness.Requests("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").Only;

        Assert.Equal(Http1Method.Connect, m.Method);
        Assert.Equal(Http1TargetForm.Authority, m.TargetForm);
        Assert.True(m.Info.IsConnect);
        Assert.True(m.Info.IsTunnel);
    }

    [Fact]
    public void TryParseRequestHead_OptionsAsterisk_Accepted()
    {
        var m = Http1Harness.Requests("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").Only;

        Assert.Equal(Http1Method.Options, m.Method);
        Assert.Equal(Http1TargetForm.Asterisk, m.TargetForm);
    }

    [Theory]
    [InlineData("GET * HTTP/1.1")]
    [InlineData("CONNECT /path HTTP/1.1")]
    [InlineData("CONNECT example.com HTTP/1.1")]
    [InlineData("CONNECT http://example.com:80 HTTP/1.1")]
    [InlineData("GET example.com:80 HTTP/1.1")]
    [InlineData("GET ://x HTTP/1.1")]
    public void TryParseRequestHead_TargetFormNotAllowedForMethod_InvalidRequestTarget(string line)
    {
        Assert.Equal(Http1Error.InvalidRequestTarget, Http1Harness.Requests(line + "\r\nHost: h\r\n\r\n").ErrorCode);
    }

    [Theory]
    [InlineData("GET", Http1Method.Get)]
    [InlineData("HEAD", Http1Method.Head)]
    [InlineData("POST", Http1Method.Post)]
    [InlineData("PUT", Http1Method.Put)]
    [InlineData("DELETE", Http1Method.Delete)]
    [InlineData("OPTIONS", Http1Method.Options)]
    [InlineData("TRACE", Http1Method.Trace)]
    [InlineData("PATCH", Http1Method.Patch)]
    [InlineData("PROPFIND", Http1Method.Custom)]
    [InlineData("get", Http1Method.Custom)]
    public void TryParseRequestHead_Method_Recognized(string method, Http1Method expected)
    {
        var m = Http1Harness.Requests($"{method} / HTTP/1.1\r\nHost: h\r\n\r\n").Only;

        Assert.Equal(expected, m.Method);
        Assert.Equal(method, m.MethodText);
    }

    [Fact]
    public void TryParseRequestHead_Incomplete_ReturnsFalseWithoutError()
    {
        var c = Http1Harness.Requests("GET / HTTP/1.1\r\nHost: h\r\n");

        Assert.Empty(c.Messages);
        Assert.Null(c.Error);
        Assert.Equal("head", c.Incomplete);
    }

    [Fact]
    public void TryParseRequestHead_LeadingEmptyLines_Ignored()
    {
        var m = Http1Harness.Requests("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").Only;

        Assert.Equal("/", m.Target);
    }

    [Fact]
    public void TryParseRequestHead_EmptyHeaderValue_Accepted()
    {
        var m = Http1Harness.Requests("GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Blank: \t \r\n\r\n").Only;

        Assert.Equal("", m.Header("X-Empty"));
        Assert.Equal("", m.Header("X-Blank"));
    }

    [Fact]
    public void TryParseRequestHead_ObsTextInValueAndTarget_Accepted()
    {
        var m = Http1Harness.Requests("GET /caf\u00e9 HTTP/1.1\r\nHost: h\r\nX-Latin: caf\u00e9\r\n\r\n").Only;

        Assert.Equal("/caf\u00e9", m.Target);
        Assert.Equal("caf\u00e9", m.Header("X-Latin"));
    }

    [Fact]
    public void TryParseRequestHead_PipelinedRequests_ParseOneAfterTheOther()
    {
        var c = Http1Harness.Requests(
            "POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" +
            "GET /two HTTP/1.1\r\nHost: h\r\n\r\n" +
            "POST /three HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");

        Assert.Equal(["/one", "/two", "/three"], c.Messages.Select(m => m.Target));
        Assert.Equal(["hello", "", "abc"], c.Messages.Select(m => m.Body));
        Assert.All(c.Messages, m => Assert.True(m.BodyComplete));
        Assert.Null(c.Incomplete);
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive, Close\r\n", false)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: Keep-Alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\nConnection: close\r\n", false)]
    public void TryParseRequestHead_ConnectionTokens_DecideKeepAlive(string version, string fields, bool keepAlive)
    {
        var m = Http1Harness.Requests($"GET / {version}\r\nHost: h\r\n{fields}\r\n").Only;

        Assert.Equal(keepAlive, m.Info.KeepAlive);
    }

    [Fact]
    public void TryParseRequestHead_Http10WithoutHost_Accepted()
    {
        var m = Http1Harness.Requests("GET / HTTP/1.0\r\n\r\n").Only;

        Assert.Equal(Http1Version.Http10, m.Version);
        Assert.False(m.Info.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1", "Expect: 100-continue\r\n", true)]
    [InlineData("HTTP/1.1", "Expect: 100-Continue\r\n", true)]
    [InlineData("HTTP/1.1", "", false)]
    [InlineData("HTTP/1.1", "Expect: something-else\r\n", false)]
    [InlineData("HTTP/1.0", "Expect: 100-continue\r\n", false)]
    public void TryParseRequestHead_Expect_DetectsContinue(string version, string fields, bool expected)
    {
        var m = Http1Harness.Requests($"POST / {version}\r\nHost: h\r\nContent-Length: 0\r\n{fields}\r\n").Only;

        Assert.Equal(expected, m.Info.ExpectContinue);
    }

    [Theory]
    [InlineData("Connection: Upgrade\r\nUpgrade: websocket\r\n", true)]
    [InlineData("Connection: keep-alive, upgrade\r\nUpgrade: websocket\r\n", true)]
    [InlineData("Upgrade: websocket\r\n", false)]
    [InlineData("Connection: upgrade\r\n", false)]
    public void TryParseRequestHead_Upgrade_NeedsUpgradeAndConnectionToken(string fields, bool expected)
    {
        var m = Http1Harness.Requests($"GET /ws HTTP/1.1\r\nHost: h\r\n{fields}\r\n").Only;

        Assert.Equal(expected, m.Info.IsUpgrade);
        Assert.Equal(expected, m.Info.IsTunnel);
    }

    [Fact]
    public void TryParseRequestHead_HopByHopHeaders_Marked()
    {
        var m = Http1Harness.Requests(
            "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\nTE: trailers\r\n" +
            "Proxy-Connection: x\r\nX-Secret: s\r\nx-secret: t\r\nUpgrade: foo\r\nTrailer: a\r\nX-Kept: k\r\n\r\n").Only;

        var hop = m.Headers.Where(h => h.HopByHop).Select(h => h.Name);
        Assert.Equal(["Connection", "Keep-Alive", "TE", "Proxy-Connection", "X-Secret", "x-secret", "Upgrade", "Trailer"], hop);
        Assert.Equal(["Host", "X-Kept"], m.Headers.Where(h => !h.HopByHop).Select(h => h.Name));
    }

    [Fact]
    public void TryParseRequestHead_ContentLength_FramesBody()
    {
        var m = Http1Harness.Requests("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world").Only;

        Assert.Equal(Http1BodyFraming.OfLength(11), m.Info.Framing);
        Assert.Equal("hello world", m.Body);
    }

    [Fact]
    public void TryParseRequestHead_ContentLengthZero_KeptAsZeroLength()
    {
        var m = Http1Harness.Requests("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").Only;

        Assert.Equal(Http1BodyFraming.OfLength(0), m.Info.Framing);
        Assert.True(m.BodyComplete);
    }

    [Fact]
    public void TryParseRequestHead_IdenticalDuplicateContentLength_Folded()
    {
        var m = Http1Harness.Requests("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc").Only;

        Assert.Equal(Http1BodyFraming.OfLength(3), m.Info.Framing);
        Assert.Equal("abc", m.Body);
    }

    [Fact]
    public void TryParseRequestHead_IdenticalContentLengthList_Folded()
    {
        var m = Http1Harness.Requests("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc").Only;

        Assert.Equal(Http1BodyFraming.OfLength(3), m.Info.Framing);
    }

    [Fact]
    public void TryParseRequestHead_ContentLengthWithLeadingZeros_Accepted()
    {
        var m = Http1Harness.Requests("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\nabcdefg").Only;

        Assert.Equal(Http1BodyFraming.OfLength(7), m.Info.Framing);
    }

    [Fact]
    public void TryParseRequestHead_ChunkedCaseInsensitive_Accepted()
    {
        var m = Http1Harness.Requests("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n").Only;

        Assert.Equal(Http1BodyFraming.Chunked, m.Info.Framing);
        Assert.True(m.BodyComplete);
    }

    [Fact]
    public void TryParseRequestHead_GenericStructHandler_ReceivesCallbacksInOrder()
    {
        var data = "GET /p HTTP/1.1\r\nHost: h\r\nA: 1\r\n\r\n"u8.ToArray();
        var handler = new RecordingHandler(new List<string>());
        var parser = new Http1Parser();

        Assert.True(parser.TryParseRequestHead(ref handler, new System.Buffers.ReadOnlySequence<byte>(data), out var consumed, out var examined, out var error));

        Assert.False(error.IsError);
        Assert.Equal(data.Length, consumed.GetInteger());
        Assert.Equal(consumed, examined);
        Assert.Equal(["line Get /p Origin Http11", "header Host Host=h", "header None A=1", "complete None"], handler.Calls);
    }

    [Fact]
    public void TryParseRequestHead_IncompleteHead_ExaminedIsBufferEnd()
    {
        var data = "GET / HTTP/1.1\r\nHo"u8.ToArray();
        var buffer = new System.Buffers.ReadOnlySequence<byte>(data);
        using var head = new Http1RequestHead();

        Assert.False(new Http1Parser().TryParseRequestHead(head, buffer, out var consumed, out var examined, out var error));

        Assert.False(error.IsError);
        Assert.Equal(buffer.Start, consumed);
        Assert.Equal(buffer.End, examined);
    }

    private readonly struct RecordingHandler(List<string> calls) : IHttp1RequestHandler
    {
        public List<string> Calls => calls;

        public void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1TargetForm targetForm, Http1Version version) =>
            calls.Add($"line {method} {System.Text.Encoding.ASCII.GetString(target)} {targetForm} {version}");

        public void OnHeader(Http1KnownHeader known, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            calls.Add($"header {known} {System.Text.Encoding.ASCII.GetString(name)}={System.Text.Encoding.ASCII.GetString(value)}");

        public void OnHeadersComplete(in Http1MessageInfo info) => calls.Add($"complete {info.Framing.Kind}");
    }
}
