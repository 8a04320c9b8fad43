using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>Response heads and the response framing rules of RFC 9112 section 6.3; every input also split everywhere.</summary>
public sealed class Http1ResponseParserTests
{
    [Fact]
    public void TryParseResponseHead_StatusLine_Parsed()
    {
        var m = Http1Harness.Responses("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nServer: s\r\n\r\nno").Only;

        Assert.Equal(404, m.StatusCode);
        Assert.Equal("Not Found", m.Reason);
        Assert.Equal(Http1Version.Http11, m.Version);
        Assert.Equal("no", m.Body);
        Assert.True(m.Info.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 \r\n", "")]
    [InlineData("HTTP/1.1 200\r\n", "")]
    [InlineData("HTTP/1.1 200 Very  Fine\tIndeed\r\n", "Very  Fine\tIndeed")]
    public void TryParseResponseHead_ReasonPhraseVariants_Accepted(string line, string reason)
    {
        var m = Http1Harness.Responses(line + "Content-Length: 0\r\n\r\n").Only;

        Assert.Equal(200, m.StatusCode);
        Assert.Equal(reason, m.Reason);
    }

    [Theory]
    [InlineData("HTTP/1.1 20 OK")]
    [InlineData("HTTP/1.1 2000 OK")]
    [InlineData("HTTP/1.1 abc OK")]
    [InlineData("HTTP/1.1 099 X")]
    [InlineData("HTTP/1.1 600 X")]
    [InlineData("HTTP/1.1  200 OK")]
    [InlineData("HTTP/1.1")]
    [InlineData("HTTP/1.x 200 OK")]
    [InlineData("ICY 200 OK")]
    public void TryParseResponseHead_MalformedStatusLine_Rejected(string line)
    {
        var c = Http1Harness.Responses(line + "\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal(Http1Error.InvalidStatusLine, c.ErrorCode);
        Assert.Equal(502, Http1ParseError.ResponseStatusCode);
    }

    [Fact]
    public void TryParseResponseHead_UnsupportedVersion_Rejected() =>
        Assert.Equal(Http1Error.UnsupportedVersion, Http1Harness.Responses("HTTP/2.0 200 OK\r\n\r\n").ErrorCode);

    [Fact]
    public void TryParseResponseHead_CtlInReason_Rejected() =>
        Assert.Equal(Http1Error.InvalidHeaderValue, Http1Harness.Responses("HTTP/1.1 200 O\u0000K\r\n\r\n").ErrorCode);

    [Fact]
    public void TryParseResponseHead_HeadRequest_NoBodyDespiteContentLength()
    {
        var c = Http1Harness.Responses("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", Http1Method.Head);

        Assert.Equal([200, 204], c.Messages.Select(m => m.StatusCode));
        Assert.Equal(Http1BodyFraming.None, c.Messages[0].Info.Framing);
        Assert.Equal("1234", c.Messages[0].Header("Content-Length"));
    }

    [Fact]
    public void TryParseResponseHead_HeadRequestChunkedResponse_NoBody()
    {
        var m = Http1Harness.Responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Http1Method.Head).Only;

        Assert.Equal(Http1BodyFraming.None, m.Info.Framing);
        Assert.True(m.BodyComplete);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public void TryParseResponseHead_NoContentOrNotModified_NoBody(int status)
    {
        var c = Http1Harness.Responses($"HTTP/1.1 {status} X\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

        Assert.Equal(Http1BodyFraming.None, c.Messages[0].Info.Framing);
        Assert.Equal("ok", c.Messages[1].Body);
    }

    [Fact]
    public void TryParseResponseHead_InformationalThenFinal_BothParsed()
    {
        var c = Http1Harness.Responses("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

        Assert.Equal([100, 103, 200], c.Messages.Select(m => m.StatusCode));
        Assert.Equal(["", "", "ok"], c.Messages.Select(m => m.Body));
        Assert.False(c.Messages[0].Info.IsTunnel);
    }

    [Fact]
    public void TryParseResponseHead_SwitchingProtocols_IsTunnel()
    {
        var c = Http1Harness.Responses("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0002hi");

        Assert.True(c.Only.Info.IsUpgrade);
        Assert.True(c.Only.Info.IsTunnel);
        Assert.Equal("\u0081\u0002hi", c.Tunnel);
    }

    [Fact]
    public void TryParseResponseHead_ConnectSuccess_IsTunnelAndIgnoresBodyHeaders()
    {
        var c = Http1Harness.Responses("HTTP/1.1 200 Connection Established\r\nContent-Length: 5\r\n\r\nTLS bytes", Http1Method.Connect);

        Assert.True(c.Only.Info.IsConnect);
        Assert.Equal(Http1BodyFraming.None, c.Only.Info.Framing);
        Assert.Equal("TLS bytes", c.Tunnel);
    }

    [Fact]
    public void TryParseResponseHead_ConnectRefused_HasBody()
    {
        var c = Http1Harness.Responses("HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno", Http1Method.Connect);

        Assert.False(c.Only.Info.IsTunnel);
        Assert.Equal("no", c.Only.Body);
    }

    [Fact]
    public void TryParseResponseHead_Chunked_DecodesBodyAndTrailers()
    {
        var m = Http1Harness.Responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: 1\r\n\r\n").Only;

        Assert.Equal(Http1BodyFraming.Chunked, m.Info.Framing);
        Assert.Equal("ok", m.Body);
        Assert.Equal([("X-T", "1")], m.Trailers);
    }

    [Fact]
    public void TryParseResponseHead_NoLength_CloseDelimited()
    {
        var c = Http1Harness.Responses("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until close", closeAtEnd: true);

        var m = c.Only;
        Assert.Equal(Http1BodyFraming.CloseDelimited, m.Info.Framing);
        Assert.False(m.Info.KeepAlive);
        Assert.Equal("all of this until close", m.Body);
        Assert.True(m.BodyComplete);
    }

    [Fact]
    public void TryParseResponseHead_CloseDelimitedStillOpen_Incomplete()
    {
        var c = Http1Harness.Responses("HTTP/1.1 200 OK\r\n\r\npartial");

        Assert.Equal("partial", c.Only.Body);
        Assert.Equal("body", c.Incomplete);
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    public void TryParseResponseHead_ConnectionTokens_DecideKeepAlive(string version, string fields, bool keepAlive)
    {
        var m = Http1Harness.Responses($"{version} 200 OK\r\nContent-Length: 0\r\n{fields}\r\n").Only;

        Assert.Equal(keepAlive, m.Info.KeepAlive);
    }

    [Fact]
    public void TryParseResponseHead_ContentLengthAndTransferEncoding_Rejected() =>
        Assert.Equal(Http1Error.ContentLengthWithTransferEncoding, Http1Harness.Responses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n").ErrorCode);

    [Fact]
    public void TryParseResponseHead_ConflictingContentLength_Rejected() =>
        Assert.Equal(Http1Error.ConflictingContentLength, Http1Harness.Responses("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n").ErrorCode);

    [Fact]
    public void TryParseResponseHead_NonChunkedTransferCoding_Rejected() =>
        Assert.Equal(Http1Error.UnsupportedTransferCoding, Http1Harness.Responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").ErrorCode);

    [Fact]
    public void TryParseResponseHead_TransferEncodingInHttp10_Rejected() =>
        Assert.Equal(Http1Error.TransferEncodingInHttp10, Http1Harness.Responses("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").ErrorCode);

    [Fact]
    public void TryParseResponseHead_NoContentWithChunked_NoBody()
    {
        var c = Http1Harness.Responses("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal([204, 200], c.Messages.Select(m => m.StatusCode));
    }

    [Fact]
    public void TryParseResponseHead_ResponseWithoutHost_Accepted() =>
        Assert.Equal(200, Http1Harness.Responses("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").Only.StatusCode);

    [Fact]
    public void TryParseResponseHead_LeadingEmptyLine_Rejected() =>
        Assert.Equal(Http1Error.InvalidStatusLine, Http1Harness.Responses("\r\nHTTP/1.1 200 OK\r\n\r\n").ErrorCode);
}
