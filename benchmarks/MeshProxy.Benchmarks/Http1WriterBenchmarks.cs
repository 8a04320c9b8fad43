using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Benchmarks;

/// <summary>Re-encoding heads and chunks for the other side of the proxy, into a reused buffer writer.</summary>
[MemoryDiagnoser]
public class Http1WriterBenchmarks : IDisposable
{
    private static readonly byte[] TypicalGet = Encoding.ASCII.GetBytes(
        "GET /api/v1/items?id=42 HTTP/1.1\r\nHost: service.default.svc.cluster.local\r\nUser-Agent: curl/8.5.0\r\n" +
        "Accept: */*\r\nx-request-id: 6f1c0e1e-8d2a-4c55-9f4b-0d6a3e2b9c11\r\nx-forwarded-for: 10.0.0.1\r\nConnection: keep-alive\r\n\r\n");

    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Fri, 27 Nov 2026 08:00:00 GMT\r\nContent-Type: application/json\r\n" +
        "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n");

    private readonly Http1RequestHead _request = new();
    private readonly Http1ResponseHead _response = new();
    private readonly ArrayBufferWriter<byte> _output = new(8192);
    private readonly byte[] _chunk = new byte[1024];

    [GlobalSetup]
    public void Setup()
    {
        var parser = new Http1Parser();
        if (!parser.TryParseRequestHead(_request, new ReadOnlySequence<byte>(TypicalGet), out _, out _, out _)
            || !parser.TryParseResponseHead(_response, Http1Method.Get, new ReadOnlySequence<byte>(Response), out _, out _, out _))
        {
            throw new InvalidOperationException("benchmark input does not parse");
        }
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

    /// <summary>The parsed GET re-encoded upstream (Connection stripped as hop-by-hop).</summary>
    [Benchmark(Baseline = true)]
    public int WriteRequestHead()
    {
        _output.ResetWrittenCount();
        Http1HeadWriter.WriteRequestHead(_output, _request, _request.Info.Framing, Http1ConnectionHeader.None);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteResponseHead()
    {
        _output.ResetWrittenCount();
        Http1HeadWriter.WriteResponseHead(_output, _response, _response.Info.Framing, Http1ConnectionHeader.None);
        return _output.WrittenCount;
    }

    /// <summary>A 1 KiB chunk and the last chunk.</summary>
    [Benchmark]
    public int WriteChunkedBody()
    {
        _output.ResetWrittenCount();
        Http1ChunkedEncoder.WriteChunk(_output, _chunk);
        Http1ChunkedEncoder.WriteLastChunk(_output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteSimpleResponse()
    {
        _output.ResetWrittenCount();
        Http1HeadWriter.WriteSimpleResponse(_output, 400, close: true);
        return _output.WrittenCount;
    }
}
