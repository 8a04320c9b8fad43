using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Benchmarks;

/// <summary>
/// HTTP/1.1 head parsing as the downstream side does it: a reused parser and head per connection.
/// Allocated must be 0 for every case.
/// </summary>
[MemoryDiagnoser]
public class Http1ParserBenchmarks : IDisposable
{
    private static readonly byte[] TypicalGet = Encoding.ASCII.GetBytes(
        "GET /api/v1/items?id=42 HTTP/1.1\r\nHost: service.default.svc.cluster.local\r\nUser-Agent: curl/8.5.0\r\n" +
        "Accept: */*\r\nx-request-id: 6f1c0e1e-8d2a-4c55-9f4b-0d6a3e2b9c11\r\nx-forwarded-for: 10.0.0.1\r\nConnection: keep-alive\r\n\r\n");

    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Fri, 27 Nov 2026 08:00:00 GMT\r\nContent-Type: application/json\r\n" +
        "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}");

    private static readonly byte[] ChunkedBody = Encoding.ASCII.GetBytes(
        "400\r\n" + new string('a', 1024) + "\r\n400;ext=1\r\n" + new string('b', 1024) + "\r\n0\r\nX-Checksum: 1\r\n\r\n");

    private readonly Http1Parser _parser = new();
    private readonly Http1RequestHead _request = new();
    private readonly Http1ResponseHead _response = new();
    private readonly Http1BodyReader _body = new();
    private ReadOnlySequence<byte> _get;
    private ReadOnlySequence<byte> _getSplit;
    private ReadOnlySequence<byte> _responseBuffer;
    private ReadOnlySequence<byte> _chunked;

    [GlobalSetup]
    public void Setup()
    {
        _get = new ReadOnlySequence<byte>(TypicalGet);
        _getSplit = TwoSegments(TypicalGet, TypicalGet.Length / 2);
        _responseBuffer = new ReadOnlySequence<byte>(Response);
        _chunked = new ReadOnlySequence<byte>(ChunkedBody);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _request.Dispose();
            _response.Dispose();
        }
    }

    /// <summary>GET with 6 headers, the whole head in one segment (the common case).</summary>
    [Benchmark(Baseline = true)]
    public bool ParseTypicalGet()
    {
        _request.Reset();
        return _parser.TryParseRequestHead(_request, _get, out _, out _, out _);
    }

    /// <summary>Same head split across two segments: one pooled copy, then the span parser.</summary>
    [Benchmark]
    public bool ParseTypicalGetTwoSegments()
    {
        _request.Reset();
        return _parser.TryParseRequestHead(_request, _getSplit, out _, out _, out _);
    }

    [Benchmark]
    public bool ParseResponseHead()
    {
        _response.Reset();
        return _parser.TryParseResponseHead(_response, Http1Method.Get, _responseBuffer, out _, out _, out _);
    }

    /// <summary>Two 1 KiB chunks with an extension and a trailer: slices handed out, nothing copied.</summary>
    [Benchmark]
    public long ReadChunkedBody()
    {
        _body.Reset(Http1BodyFraming.Chunked);
        var rest = _chunked;
        long total = 0;
        while (_body.Read(rest, false, null, out var data, out var consumed, out _, out _) == Http1BodyStatus.Data)
        {
            total += data.Length;
            rest = rest.Slice(consumed);
        }

        return total;
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] data, int cut)
    {
        var first = new Segment(data.AsMemory(0, cut), 0);
        var second = new Segment(data.AsMemory(cut), cut);
        first.SetNext(second);
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
