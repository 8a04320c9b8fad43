using System.Buffers;
using MeshProxy.Protocols.Http1;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>The hot path allocates nothing per message once a connection's buffers are warm (ARCHITECTURE rule 7).</summary>
public sealed class Http1AllocationTests
{
    private const int Iterations = 1000;

    internal static readonly byte[] TypicalGet =
        ("GET /api/v1/items?id=42 HTTP/1.1\r\nHost: service.default.svc.cluster.local\r\nUser-Agent: curl/8.5.0\r\n" +
         "Accept: */*\r\nx-request-id: 6f1c0e1e-8d2a-4c55-9f4b-0d6a3e2b9c11\r\nx-forwarded-for: 10.0.0.1\r\nConnection: keep-alive\r\n\r\n")
        .Select(c => (byte)c).ToArray();

    [Fact]
    public void TryParseRequestHead_TypicalGetWarmedUp_AllocatesNothing()
    {
        var buffer = new ReadOnlySequence<byte>(TypicalGet);
        var parser = new Http1Parser();
        using var head = new Http1RequestHead();
        var parsed = ParseMany(parser, head, buffer, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        parsed += ParseMany(parser, head, buffer, Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(100 + Iterations, parsed);
        Assert.Equal(6, head.Headers.Count);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryParseRequestHead_SplitAcrossSegmentsWarmedUp_AllocatesNothing()
    {
        var buffer = SegmentedSequence.Split(TypicalGet, 20, 90);
        var parser = new Http1Parser();
        using var head = new Http1RequestHead();
        ParseMany(parser, head, buffer, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var parsed = ParseMany(parser, head, buffer, Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Iterations, parsed);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ReadChunkedBodyAndWriteHeadWarmedUp_AllocatesNothing()
    {
        var body = new ReadOnlySequence<byte>("5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"u8.ToArray());
        var reader = new Http1BodyReader();
        using var trailers = new Http1Headers();
        var parser = new Http1Parser();
        using var head = new Http1RequestHead();
        Assert.True(parser.TryParseRequestHead(head, new ReadOnlySequence<byte>(TypicalGet), out _, out _, out _));
        var output = new ArrayBufferWriter<byte>(4096);
        var work = RoundTrip(reader, trailers, body, head, output, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        work += RoundTrip(reader, trailers, body, head, output, Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((100 + Iterations) * 11, work);
        Assert.Equal(0, allocated);
    }

    private static int ParseMany(Http1Parser parser, Http1RequestHead head, in ReadOnlySequence<byte> buffer, int count)
    {
        var parsed = 0;
        for (var i = 0; i < count; i++)
        {
            head.Reset();
            if (parser.TryParseRequestHead(head, buffer, out _, out _, out _))
            {
                parsed++;
            }
        }

        return parsed;
    }

    private static long RoundTrip(Http1BodyReader reader, Http1Headers trailers, in ReadOnlySequence<byte> body, Http1RequestHead head, ArrayBufferWriter<byte> output, int count)
    {
        long bytes = 0;
        for (var i = 0; i < count; i++)
        {
            output.ResetWrittenCount();
            Http1HeadWriter.WriteRequestHead(output, head, Http1BodyFraming.Chunked, Http1ConnectionHeader.None);
            reader.Reset(Http1BodyFraming.Chunked);
            trailers.Clear();
            var rest = body;
            while (reader.Read(rest, false, trailers, out var data, out var consumed, out _, out _) == Http1BodyStatus.Data)
            {
                bytes += data.Length;
                Http1ChunkedEncoder.WriteChunk(output, data);
                rest = rest.Slice(consumed);
            }

            Http1ChunkedEncoder.WriteLastChunk(output, trailers);
        }

        return bytes;
    }
}
