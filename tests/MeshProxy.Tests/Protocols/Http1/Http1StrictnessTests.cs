using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>
/// Request smuggling and strictness: every rule is its own test, each input also split everywhere.
/// Each rejection is a typed error that the connection manager turns into a status and a close.
/// </summary>
public sealed class Http1StrictnessTests
{
    private static Http1ParseError Reject(string raw, Http1Error expected, int status = 400)
    {
        var c = Http1Harness.Requests(raw);
        Assert.Empty(c.Messages);
        var error = Assert.NotNull(c.Error);
        Assert.Equal(expected, error.Code);
        Assert.Equal(status, error.RequestStatusCode);
        return error;
    }

    [Fact]
    public void TryParseRequestHead_ContentLengthAndTransferEncoding_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Http1Error.ContentLengthWithTransferEncoding);

    [Fact]
    public void TryParseRequestHead_TransferEncodingThenContentLength_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", Http1Error.ContentLengthWithTransferEncoding);

    [Fact]
    public void TryParseRequestHead_DuplicateContentLengthDifferentValues_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", Http1Error.ConflictingContentLength);

    [Fact]
    public void TryParseRequestHead_ContentLengthListDifferentValues_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n", Http1Error.ConflictingContentLength);

    [Theory]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("5a")]
    [InlineData("0x5")]
    [InlineData("5 5")]
    [InlineData("")]
    [InlineData("5,")]
    [InlineData("1.0")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999999")]
    public void TryParseRequestHead_InvalidContentLength_Rejected(string value) =>
        Reject($"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: {value}\r\n\r\n", Http1Error.InvalidContentLength);

    [Fact]
    public void TryParseRequestHead_SignedContentLength_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", Http1Error.InvalidContentLength);

    [Fact]
    public void TryParseRequestHead_NonDigitContentLength_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\n", Http1Error.InvalidContentLength);

    [Fact]
    public void TryParseRequestHead_OverflowingContentLength_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551621\r\n\r\n", Http1Error.InvalidContentLength);

    [Fact]
    public void TryParseRequestHead_LargestContentLength_Accepted()
    {
        var m = Http1Harness.Requests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9223372036854775807\r\n\r\n").Only;

        Assert.Equal(long.MaxValue, m.Info.Framing.ContentLength);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("chunked, gzip")]
    [InlineData("chunked;x=1")]
    public void TryParseRequestHead_ChunkedNotFinalEncoding_Rejected(string value) =>
        Reject($"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: {value}\r\n\r\n", Http1Error.ChunkedNotFinalEncoding);

    [Fact]
    public void TryParseRequestHead_ChunkedNotFinalAcrossTwoFields_Rejected() =>
        Reject("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", Http1Error.ChunkedNotFinalEncoding);

    [Theory]
    [InlineData("gzip, chunked")]
    [InlineData("chunked, chunked")]
    public void TryParseRequestHead_OtherTransferCodingBeforeChunked_NotImplemented(string value) =>
        Reject($"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: {value}\r\n\r\n", Http1Error.UnsupportedTransferCoding, 501);

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("chu nked")]
    [InlineData("\"chunked\"")]
    public void TryParseRequestHead_MalformedTransferEncoding_Rejected(string value) =>
        Reject($"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: {value}\r\n\r\n", Http1Error.InvalidTransferEncoding);

    [Fact]
    public void TryParseRequestHead_TransferEncodingInHttp10_Rejected() =>
        Reject("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", Http1Error.TransferEncodingInHttp10);

    [Fact]
    public void TryParseRequestHead_ObsFold_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n", Http1Error.ObsoleteLineFolding);

    [Fact]
    public void TryParseRequestHead_ObsFoldWithTab_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n\tb\r\n\r\n", Http1Error.ObsoleteLineFolding);

    [Fact]
    public void TryParseRequestHead_WhitespaceBeforeFirstHeader_Rejected() =>
        Reject("GET / HTTP/1.1\r\n Host: h\r\n\r\n", Http1Error.ObsoleteLineFolding);

    [Fact]
    public void TryParseRequestHead_BareLfAfterRequestLine_Rejected() =>
        Reject("GET / HTTP/1.1\nHost: h\r\n\r\n", Http1Error.BareLineFeed);

    [Fact]
    public void TryParseRequestHead_BareLfAfterHeader_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: h\n\r\n", Http1Error.BareLineFeed);

    [Fact]
    public void TryParseRequestHead_BareLfEndOfHead_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: h\r\n\n", Http1Error.BareLineFeed);

    [Fact]
    public void TryParseRequestHead_BareCrInHeaderValue_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", Http1Error.InvalidHeaderValue);

    [Fact]
    public void TryParseRequestHead_BareLfOffset_PointsAtTheLf()
    {
        var error = Reject("GET / HTTP/1.1\nHost: h\r\n\r\n", Http1Error.BareLineFeed);

        Assert.Equal(14, error.Offset);
    }

    [Theory]
    [InlineData("G\u00c9T")]
    [InlineData("GE(T")]
    [InlineData("GE\u0001T")]
    [InlineData("GE/T")]
    public void TryParseRequestHead_InvalidTokenCharInMethod_Rejected(string method) =>
        Reject($"{method} / HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidMethod);

    [Theory]
    [InlineData("X(A)")]
    [InlineData("X\"A")]
    [InlineData("X\u00e9")]
    [InlineData("X\u0000A")]
    [InlineData("X/A")]
    [InlineData("X@A")]
    [InlineData("X A")]
    public void TryParseRequestHead_InvalidTokenCharInHeaderName_Rejected(string name) =>
        Reject($"GET / HTTP/1.1\r\nHost: h\r\n{name}: v\r\n\r\n", Http1Error.InvalidHeaderName);

    [Fact]
    public void TryParseRequestHead_HeaderWithoutColon_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", Http1Error.InvalidHeaderName);

    [Fact]
    public void TryParseRequestHead_EmptyHeaderName_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", Http1Error.InvalidHeaderName);

    [Theory]
    [InlineData("\u0000")]
    [InlineData("\u0001")]
    [InlineData("\u001f")]
    [InlineData("\u007f")]
    [InlineData("\r")]
    public void TryParseRequestHead_CtlInHeaderValue_Rejected(string ctl) =>
        Reject($"GET / HTTP/1.1\r\nHost: h\r\nX-A: a{ctl}b\r\n\r\n", Http1Error.InvalidHeaderValue);

    [Fact]
    public void TryParseRequestHead_HtabInHeaderValue_Accepted()
    {
        Assert.Equal("a\tb", Http1Harness.Requests("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb\r\n\r\n").Only.Header("X-A"));
    }

    [Theory]
    [InlineData("Content-Length :")]
    [InlineData("Host\t:")]
    public void TryParseRequestHead_WhitespaceBetweenNameAndColon_Rejected(string nameAndColon) =>
        Reject($"POST / HTTP/1.1\r\nHost: h\r\n{nameAndColon} 5\r\n\r\n", Http1Error.WhitespaceBeforeColon);

    [Fact]
    public void TryParseRequestHead_MissingHostInHttp11_Rejected() =>
        Reject("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", Http1Error.MissingHost);

    [Fact]
    public void TryParseRequestHead_MissingHostInAbsoluteFormHttp11_Rejected() =>
        Reject("GET http://example.com/ HTTP/1.1\r\n\r\n", Http1Error.MissingHost);

    [Fact]
    public void TryParseRequestHead_DuplicateHost_Rejected() =>
        Reject("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Http1Error.DuplicateHost);

    [Theory]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/1.2")]
    public void TryParseRequestHead_UnknownHttpVersion_NotSupported(string version) =>
        Reject($"GET / {version}\r\nHost: h\r\n\r\n", Http1Error.UnsupportedVersion, 505);

    [Theory]
    [InlineData("HTTP/1.1 ")]
    [InlineData("http/1.1")]
    [InlineData("HTTP/11")]
    [InlineData("HTTP/1.1x")]
    [InlineData("HTTP/1")]
    [InlineData("HTTPS/1.1")]
    public void TryParseRequestHead_MalformedVersion_Rejected(string version) =>
        Reject($"GET / {version}\r\nHost: h\r\n\r\n", Http1Error.InvalidVersion);

    [Theory]
    [InlineData("GET  / HTTP/1.1")]
    [InlineData("GET /")]
    [InlineData("GET")]
    [InlineData(" GET / HTTP/1.1")]
    public void TryParseRequestHead_MalformedRequestLine_Rejected(string line) =>
        Reject($"{line}\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestLine);

    [Fact]
    public void TryParseRequestHead_SpaceInTarget_Rejected() =>
        Reject("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidVersion);

    [Theory]
    [InlineData("/a\u0000")]
    [InlineData("/a\u007f")]
    [InlineData("/a\tb")]
    public void TryParseRequestHead_CtlInTarget_Rejected(string target) =>
        Reject($"GET {target} HTTP/1.1\r\nHost: h\r\n\r\n", Http1Error.InvalidRequestTarget);

    [Fact]
    public void TryParseRequestHead_AfterError_ParserDoesNotDeliverLaterRequests()
    {
        var c = Http1Harness.Requests("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost : h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");

        Assert.Single(c.Messages);
        Assert.Equal(Http1Error.WhitespaceBeforeColon, c.ErrorCode);
    }
}
