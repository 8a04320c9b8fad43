using System.Buffers;
using System.Buffers.Text;
using System.Numerics;

namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Writes chunked coding (RFC 9112 section 7.1) for bodies re-encoded without a known length. Data is copied once,
/// from the input buffer into the output; an empty chunk is never written, since it would end the body.
/// </summary>
public static class Http1ChunkedEncoder
{
    private static readonly StandardFormat Hex = new('x');

    /// <summary>One chunk: <c>size-in-hex CRLF data CRLF</c>.</summary>
    public static void WriteChunk(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (data.IsEmpty)
        {
            return;
        }

        var length = HexDigits(data.Length) + 2 + data.Length + 2;
        var span = output.GetSpan(length);
        var pos = PutSize(span, data.Length);
        Http1HeadWriter.Put(span, ref pos, data);
        Http1HeadWriter.Put(span, ref pos, Http1Tokens.CrLf);
        output.Advance(pos);
    }

    /// <summary>One chunk made of a (possibly multi-segment) run of body bytes, e.g. what <see cref="Http1BodyReader"/> handed out.</summary>
    public static void WriteChunk(IBufferWriter<byte> output, in ReadOnlySequence<byte> data)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (data.IsEmpty)
        {
            return;
        }

        if (data.IsSingleSegment)
        {
            WriteChunk(output, data.FirstSpan);
            return;
        }

        WriteChunkHeader(output, data.Length);
        foreach (var segment in data)
        {
            output.Write(segment.Span);
        }

        output.Write(Http1Tokens.CrLf);
    }

    /// <summary>The size line of a chunk whose data the caller writes itself, followed by <see cref="WriteChunkEnd"/>.</summary>
    public static void WriteChunkHeader(IBufferWriter<byte> output, long size)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var span = output.GetSpan(HexDigits(size) + 2);
        output.Advance(PutSize(span, size));
    }

    public static void WriteChunkEnd(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Http1Tokens.CrLf);
    }

    /// <summary>The last chunk and the trailer section: <c>0 CRLF *(field CRLF) CRLF</c>.</summary>
    public static void WriteLastChunk(IBufferWriter<byte> output, Http1Headers? trailers = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = Http1Tokens.LastChunk.Length + 2;
        var count = trailers?.Count ?? 0;
        for (var i = 0; i < count; i++)
        {
            var field = trailers![i];
            length += field.Name.Length + field.Value.Length + 4;
        }

        var span = output.GetSpan(length);
        var pos = 0;
        Http1HeadWriter.Put(span, ref pos, Http1Tokens.LastChunk);
        for (var i = 0; i < count; i++)
        {
            var field = trailers![i];
            Http1HeadWriter.Put(span, ref pos, field.Name);
            Http1HeadWriter.Put(span, ref pos, Http1Tokens.ColonSpace);
            Http1HeadWriter.Put(span, ref pos, field.Value);
            Http1HeadWriter.Put(span, ref pos, Http1Tokens.CrLf);
        }

        Http1HeadWriter.Put(span, ref pos, Http1Tokens.CrLf);
        output.Advance(pos);
    }

    private static int HexDigits(long value) => Math.Max(1, (64 - BitOperations.LeadingZeroCount((ulong)value) + 3) / 4);

    private static int PutSize(Span<byte> span, long size)
    {
        Utf8Formatter.TryFormat(size, span, out var pos, Hex);
        Http1HeadWriter.Put(span, ref pos, Http1Tokens.CrLf);
        return pos;
    }
}
