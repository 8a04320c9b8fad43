using System.Buffers;
using System.Buffers.Text;

namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Encodes request and response heads into an <see cref="IBufferWriter{T}"/> (a <c>PipeWriter</c> is one): the
/// length is computed first, then everything is copied into one span from <c>GetSpan</c> and advanced once.
/// <para>
/// Heads are re-encoded for the other side of the proxy: hop-by-hop fields (and those named by Connection) are
/// left out, Content-Length and Transfer-Encoding come from the framing argument rather than from the fields, and
/// the Connection field is the one the caller asks for. The version written is always HTTP/1.1.
/// </para>
/// </summary>
public static class Http1HeadWriter
{
    public static void WriteRequestHead(IBufferWriter<byte> output, Http1RequestHead head, in Http1BodyFraming framing, Http1ConnectionHeader connection)
    {
        ArgumentNullException.ThrowIfNull(head);
        WriteRequestHead(output, head.MethodBytes, head.Target, head.Headers, framing, connection);
    }

    public static void WriteRequestHead(IBufferWriter<byte> output, ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, Http1Headers headers, in Http1BodyFraming framing, Http1ConnectionHeader connection)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headers);
        var length = method.Length + 1 + target.Length + 1 + Http1Tokens.Http11.Length + 2
            + FieldsLength(headers, framing, connection) + 2;
        var span = output.GetSpan(length);
        var pos = 0;
        Put(span, ref pos, method);
        span[pos++] = Http1Chars.SP;
        Put(span, ref pos, target);
        span[pos++] = Http1Chars.SP;
        Put(span, ref pos, Http1Tokens.Http11);
        Put(span, ref pos, Http1Tokens.CrLf);
        PutFields(span, ref pos, headers, framing, connection);
        Put(span, ref pos, Http1Tokens.CrLf);
        output.Advance(pos);
    }

    public static void WriteResponseHead(IBufferWriter<byte> output, Http1ResponseHead head, in Http1BodyFraming framing, Http1ConnectionHeader connection)
    {
        ArgumentNullException.ThrowIfNull(head);
        WriteResponseHead(output, head.StatusCode, head.Reason, head.Headers, framing, connection);
    }

    /// <param name="output">Destination.</param>
    /// <param name="statusCode">100..599.</param>
    /// <param name="reason">Reason phrase; when empty, the standard phrase for the status, if we know one.</param>
    /// <param name="headers">Fields to copy (hop-by-hop ones are skipped).</param>
    /// <param name="framing">How the body that follows is framed.</param>
    /// <param name="connection">Connection field to add.</param>
    public static void WriteResponseHead(IBufferWriter<byte> output, int statusCode, ReadOnlySpan<byte> reason, Http1Headers headers, in Http1BodyFraming framing, Http1ConnectionHeader connection)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        if (reason.IsEmpty)
        {
            reason = Http1Tokens.ReasonPhrase(statusCode);
        }

        var length = StatusLineLength(reason) + FieldsLength(headers, framing, connection) + 2;
        var span = output.GetSpan(length);
        var pos = 0;
        PutStatusLine(span, ref pos, statusCode, reason);
        PutFields(span, ref pos, headers, framing, connection);
        Put(span, ref pos, Http1Tokens.CrLf);
        output.Advance(pos);
    }

    /// <summary>
    /// A body-less reply made by the proxy itself, e.g. 400/431/505 for a rejected request or 502 for a rejected
    /// response: status line, <c>Content-Length: 0</c>, optionally <c>Connection: close</c>.
    /// </summary>
    public static void WriteSimpleResponse(IBufferWriter<byte> output, int statusCode, bool close)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 200);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        var reason = Http1Tokens.ReasonPhrase(statusCode);
        var length = StatusLineLength(reason) + Http1Tokens.ContentLengthPrefix.Length + 3
            + (close ? Http1Tokens.ConnectionClose.Length : 0) + 2;
        var span = output.GetSpan(length);
        var pos = 0;
        PutStatusLine(span, ref pos, statusCode, reason);
        Put(span, ref pos, Http1Tokens.ContentLengthPrefix);
        span[pos++] = (byte)'0';
        Put(span, ref pos, Http1Tokens.CrLf);
        if (close)
        {
            Put(span, ref pos, Http1Tokens.ConnectionClose);
        }

        Put(span, ref pos, Http1Tokens.CrLf);
        output.Advance(pos);
    }

    /// <summary><c>HTTP/1.1 100 Continue</c>, for a proxy that answers <c>Expect: 100-continue</c> itself.</summary>
    public static void WriteContinue(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.Write(Http1Tokens.Continue);
    }

    /// <summary>One field line; the name and value must already be valid (the writer does not check them).</summary>
    public static void WriteHeader(IBufferWriter<byte> output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(output);
        var span = output.GetSpan(name.Length + value.Length + 4);
        var pos = 0;
        PutField(span, ref pos, name, value);
        output.Advance(pos);
    }

    internal static int CountDigits(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    internal static void Put(Span<byte> span, ref int pos, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[pos..]);
        pos += bytes.Length;
    }

    private static int StatusLineLength(ReadOnlySpan<byte> reason) => Http1Tokens.Http11.Length + 5 + reason.Length + 2;

    private static void PutStatusLine(Span<byte> span, ref int pos, int statusCode, ReadOnlySpan<byte> reason)
    {
        Put(span, ref pos, Http1Tokens.Http11);
        span[pos++] = Http1Chars.SP;
        span[pos++] = (byte)('0' + (statusCode / 100));
        span[pos++] = (byte)('0' + (statusCode / 10 % 10));
        span[pos++] = (byte)('0' + (statusCode % 10));
        span[pos++] = Http1Chars.SP;
        Put(span, ref pos, reason);
        Put(span, ref pos, Http1Tokens.CrLf);
    }

    /// <summary>
    /// Whether a received field is copied. Content-Length is replaced by the framing, except for bodiless messages
    /// (HEAD/304 answers) where it describes the representation: then the first one is kept.
    /// </summary>
    private static bool Copies(in Http1Header header, in Http1BodyFraming framing, ref bool contentLengthSeen)
    {
        if (header.IsHopByHop)
        {
            return false;
        }

        if (header.Known != Http1KnownHeader.ContentLength)
        {
            return true;
        }

        if (framing.Kind != Http1BodyKind.None || contentLengthSeen)
        {
            return false;
        }

        contentLengthSeen = true;
        return true;
    }

    private static int FieldsLength(Http1Headers headers, in Http1BodyFraming framing, Http1ConnectionHeader connection)
    {
        var length = 0;
        var contentLengthSeen = false;
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            if (Copies(header, framing, ref contentLengthSeen))
            {
                length += header.Name.Length + header.Value.Length + 4;
            }
        }

        length += framing.Kind switch
        {
            Http1BodyKind.ContentLength => Http1Tokens.ContentLengthPrefix.Length + CountDigits(framing.ContentLength) + 2,
            Http1BodyKind.Chunked => Http1Tokens.TransferEncodingChunked.Length,
            _ => 0,
        };
        length += connection switch
        {
            Http1ConnectionHeader.Close => Http1Tokens.ConnectionClose.Length,
            Http1ConnectionHeader.KeepAlive => Http1Tokens.ConnectionKeepAlive.Length,
            Http1ConnectionHeader.Upgrade => Http1Tokens.UpgradePrefix.Length + UpgradeValue(headers).Length + 2 + Http1Tokens.ConnectionUpgrade.Length,
            _ => 0,
        };
        return length;
    }

    private static void PutFields(Span<byte> span, ref int pos, Http1Headers headers, in Http1BodyFraming framing, Http1ConnectionHeader connection)
    {
        var contentLengthSeen = false;
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            if (Copies(header, framing, ref contentLengthSeen))
            {
                PutField(span, ref pos, header.Name, header.Value);
            }
        }

        switch (framing.Kind)
        {
            case Http1BodyKind.ContentLength:
                Put(span, ref pos, Http1Tokens.ContentLengthPrefix);
                Utf8Formatter.TryFormat(framing.ContentLength, span[pos..], out var written);
                pos += written;
                Put(span, ref pos, Http1Tokens.CrLf);
                break;
            case Http1BodyKind.Chunked:
                Put(span, ref pos, Http1Tokens.TransferEncodingChunked);
                break;
        }

        switch (connection)
        {
            case Http1ConnectionHeader.Close:
                Put(span, ref pos, Http1Tokens.ConnectionClose);
                break;
            case Http1ConnectionHeader.KeepAlive:
                Put(span, ref pos, Http1Tokens.ConnectionKeepAlive);
                break;
            case Http1ConnectionHeader.Upgrade:
                PutField(span, ref pos, Http1KnownHeaders.GetName(Http1KnownHeader.Upgrade), UpgradeValue(headers));
                Put(span, ref pos, Http1Tokens.ConnectionUpgrade);
                break;
        }
    }

    private static ReadOnlySpan<byte> UpgradeValue(Http1Headers headers) =>
        headers.TryGetValue(Http1KnownHeader.Upgrade, out var value) ? value : [];

    private static void PutField(Span<byte> span, ref int pos, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Put(span, ref pos, name);
        Put(span, ref pos, Http1Tokens.ColonSpace);
        Put(span, ref pos, value);
        Put(span, ref pos, Http1Tokens.CrLf);
    }
}
