using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using MeshProxy.Protocols.Http1;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>Head writer and chunked encoder: exact bytes where they matter, and write-then-parse round trips.</summary>
public sealed class Http1WriterTests
{
    private static string Text(ArrayBufferWriter<byte> output) => Encoding.Latin1.GetString(output.WrittenSpan);

    private static Http1RequestHead ParseRequest(string raw)
    {
        var head = new Http1RequestHead();
        Assert.True(new Http1Parser().TryParseRequestHead(head, new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(raw)), out _, out _, out var error), error.ToString());
        return head;
    }

    private static Http1ResponseHead ParseResponse(string raw, Http1Method method = Http1Method.Get)
    {
        var head = new Http1ResponseHead();
        Assert.True(new Http1Parser().TryParseResponseHead(head, method, new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(raw)), out _, out _, out var error), error.ToString());
        return head;
    }

    [Fact]
    public void WriteRequestHead_ProxiedRequest_StripsHopByHopAndReframes()
    {
        using var head = ParseRequest(
            "POST /upload?x=1 HTTP/1.1\r\nHost: svc\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n" +
            "Content-Length: 3\r\nContent-Length: 3\r\nX-Request-Id: abc\r\nProxy-Connection: keep-alive\r\n\r\n");
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteRequestHead(output, head, head.Info.Framing, Http1ConnectionHeader.None);

        Assert.Equal("POST /upload?x=1 HTTP/1.1\r\nHost: svc\r\nX-Request-Id: abc\r\nContent-Length: 3\r\n\r\n", Text(output));
    }

    [Fact]
    public void WriteRequestHead_Http10ClientToHttp11Upstream_WritesHttp11()
    {
        using var head = ParseRequest("GET /a HTTP/1.0\r\nAccept: */*\r\n\r\n");
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteRequestHead(output, head, head.Info.Framing, Http1ConnectionHeader.Close);

        Assert.Equal("GET /a HTTP/1.1\r\nAccept: */*\r\nConnection: close\r\n\r\n", Text(output));
    }

    [Fact]
    public void WriteRequestHead_CustomMethodAndChunked_RoundTrips()
    {
        using var head = ParseRequest("PROPFIND /dav HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nDepth: 1\r\n\r\n");
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteRequestHead(output, head, head.Info.Framing, Http1ConnectionHeader.None);
        Http1ChunkedEncoder.WriteChunk(output, "<xml/>"u8);
        using var trailers = new Http1Headers();
        trailers.Add("X-Sum", "42");
        Http1ChunkedEncoder.WriteLastChunk(output, trailers);

        var again = Http1Harness.Requests(Text(output)).Only;
        Assert.Equal("PROPFIND", again.MethodText);
        Assert.Equal([("Host", "h", false), ("Depth", "1", false), ("Transfer-Encoding", "chunked", true)], again.Headers);
        Assert.Equal("<xml/>", again.Body);
        Assert.Equal([("X-Sum", "42")], again.Trailers);
    }

    [Fact]
    public void WriteRequestHead_UnknownLengthBody_ReencodedAsChunked()
    {
        using var head = ParseRequest("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteRequestHead(output, head, Http1BodyFraming.Chunked, Http1ConnectionHeader.None);
        Http1ChunkedEncoder.WriteChunk(output, SegmentedSequence.Create("he"u8.ToArray(), "llo"u8.ToArray()));
        Http1ChunkedEncoder.WriteLastChunk(output);

        Assert.Equal("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", Text(output));
    }

    [Fact]
    public void WriteRequestHead_Upgrade_WritesUpgradeAndConnection()
    {
        using var head = ParseRequest("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n");
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteRequestHead(output, head, head.Info.Framing, Http1ConnectionHeader.Upgrade);

        Assert.Equal("GET /ws HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: k\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n", Text(output));
        Assert.True(Http1Harness.Requests(Text(output)).Only.Info.IsUpgrade);
    }

    [Fact]
    public void WriteResponseHead_ParsedResponse_RoundTrips()
    {
        using var head = ParseResponse("HTTP/1.1 201 Created\r\nLocation: /x/1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteResponseHead(output, head, head.Info.Framing, Http1ConnectionHeader.None);
        output.Write("ok"u8);

        Assert.Equal("HTTP/1.1 201 Created\r\nLocation: /x/1\r\nContent-Length: 2\r\n\r\nok", Text(output));
        var again = Http1Harness.Responses(Text(output)).Only;
        Assert.Equal(201, again.StatusCode);
        Assert.Equal("ok", again.Body);
    }

    [Fact]
    public void WriteResponseHead_HeadResponseWithoutBody_KeepsFirstContentLength()
    {
        using var head = ParseResponse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Length: 1234\r\n\r\n", Http1Method.Head);
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteResponseHead(output, head, head.Info.Framing, Http1ConnectionHeader.None);

        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", Text(output));
    }

    [Theory]
    [InlineData(200, "HTTP/1.1 200 OK\r\n")]
    [InlineData(404, "HTTP/1.1 404 Not Found\r\n")]
    [InlineData(599, "HTTP/1.1 599 \r\n")]
    public void WriteResponseHead_EmptyReason_UsesStandardPhrase(int status, string line)
    {
        using var headers = new Http1Headers();
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteResponseHead(output, status, [], headers, Http1BodyFraming.OfLength(0), Http1ConnectionHeader.None);

        Assert.Equal(line + "Content-Length: 0\r\n\r\n", Text(output));
        Assert.Equal(status, Http1Harness.Responses(Text(output)).Only.StatusCode);
    }

    [Theory]
    [InlineData(400, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData(431, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    [InlineData(502, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]
    public void WriteSimpleResponse_ErrorStatus_ClosesConnection(int status, string expected)
    {
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteSimpleResponse(output, status, close: true);

        Assert.Equal(expected, Text(output));
        Assert.False(Http1Harness.Responses(expected).Only.Info.KeepAlive);
    }

    [Fact]
    public void WriteContinue_WritesInterimResponse()
    {
        var output = new ArrayBufferWriter<byte>();

        Http1HeadWriter.WriteContinue(output);

        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", Text(output));
    }

    [Fact]
    public async Task WriteRequestHead_ToPipeWriter_Flushes()
    {
        var pipe = new Pipe();
        using var headers = new Http1Headers();
        headers.Add(Http1KnownHeader.Host, "h"u8);

        Http1HeadWriter.WriteRequestHead(pipe.Writer, "GET"u8, "/"u8, headers, Http1BodyFraming.None, Http1ConnectionHeader.None);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();

        var read = await pipe.Reader.ReadAsync();
        Assert.Equal("GET / HTTP/1.1\r\nHost: h\r\n\r\n", Encoding.Latin1.GetString(read.Buffer.ToArray()));
        pipe.Reader.AdvanceTo(read.Buffer.End);
    }

    [Fact]
    public void WriteChunk_EmptyData_WritesNothing()
    {
        var output = new ArrayBufferWriter<byte>();

        Http1ChunkedEncoder.WriteChunk(output, ReadOnlySpan<byte>.Empty);
        Http1ChunkedEncoder.WriteChunk(output, ReadOnlySequence<byte>.Empty);

        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [InlineData(1, "1")]
    [InlineData(15, "f")]
    [InlineData(16, "10")]
    [InlineData(4096, "1000")]
    [InlineData(70000, "11170")]
    public void WriteChunk_Size_WrittenInLowercaseHex(int size, string hex)
    {
        var output = new ArrayBufferWriter<byte>();

        Http1ChunkedEncoder.WriteChunk(output, new byte[size]);

        Assert.StartsWith(hex + "\r\n", Text(output), StringComparison.Ordinal);
        Assert.Equal(hex.Length + 2 + size + 2, output.WrittenCount);
    }

    [Fact]
    public void WriteChunkHeader_CallerWritesData_RoundTrips()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"u8);

        Http1ChunkedEncoder.WriteChunkHeader(output, 3);
        output.Write("abc"u8);
        Http1ChunkedEncoder.WriteChunkEnd(output);
        Http1ChunkedEncoder.WriteLastChunk(output);

        Assert.Equal("abc", Http1Harness.Requests(Text(output)).Only.Body);
    }
}
