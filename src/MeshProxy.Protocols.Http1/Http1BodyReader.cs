using System.Buffers;

namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Streams one message body out of a pipe's buffer without buffering it: each call hands out the next run of body
/// bytes as a slice of the input. Decodes chunked coding (RFC 9112 section 7.1): chunk extensions are checked and
/// ignored, trailers go to a handler. Reused per connection: <see cref="Reset"/> for each message.
/// </summary>
public sealed class Http1BodyReader
{
    private readonly Http1Limits _limits;
    private Http1BodyKind _kind;
    private ChunkState _state;
    private long _remaining;
    private Http1HeadScanner _trailerScanner;

    public Http1BodyReader(Http1Limits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _limits = limits;
        _state = ChunkState.Done;
    }

    public Http1BodyReader()
        : this(Http1Limits.Default)
    {
    }

    private enum ChunkState : byte
    {
        Size,
        Data,
        DataEnd,
        Trailers,
        Done,
    }

    /// <summary>True once the whole body has been handed out.</summary>
    public bool IsComplete => _kind switch
    {
        Http1BodyKind.None => true,
        Http1BodyKind.ContentLength => _remaining == 0,
        Http1BodyKind.Chunked => _state == ChunkState.Done,
        _ => false,
    };

    /// <summary>Content-Length bytes still to come, or for chunked the rest of the current chunk.</summary>
    public long Remaining => _remaining;

    public void Reset(in Http1BodyFraming framing)
    {
        _kind = framing.Kind;
        _remaining = framing.Kind == Http1BodyKind.ContentLength ? framing.ContentLength : 0;
        _state = framing.Kind == Http1BodyKind.Chunked ? ChunkState.Size : ChunkState.Done;
        _trailerScanner.Reset();
    }

    /// <summary>Reads the next body bytes; trailers, if any, are added to <paramref name="trailers"/> (or dropped when null).</summary>
    public Http1BodyStatus Read(in ReadOnlySequence<byte> buffer, bool isFinalBlock, Http1Headers? trailers, out ReadOnlySequence<byte> data, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
    {
        if (trailers is null)
        {
            var discard = default(Http1DiscardHeaders);
            return Read(ref discard, buffer, isFinalBlock, out data, out consumed, out examined, out error);
        }

        var sink = new Http1HeadersSink(trailers);
        return Read(ref sink, buffer, isFinalBlock, out data, out consumed, out examined, out error);
    }

    /// <param name="trailerHandler">Receives trailer fields.</param>
    /// <param name="buffer">Unconsumed bytes from the connection, starting at the body (or where the previous call left off).</param>
    /// <param name="isFinalBlock">The peer finished sending (<c>ReadResult.IsCompleted</c>): ends a close-delimited body, truncates any other.</param>
    /// <param name="data">Body bytes when the result is <see cref="Http1BodyStatus.Data"/>.</param>
    /// <param name="consumed">Everything before this has been used (framing included).</param>
    /// <param name="examined">Everything before this has been looked at.</param>
    /// <param name="error">The broken rule when the result is <see cref="Http1BodyStatus.Error"/>.</param>
    public Http1BodyStatus Read<THandler>(ref THandler trailerHandler, in ReadOnlySequence<byte> buffer, bool isFinalBlock, out ReadOnlySequence<byte> data, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
        where THandler : struct, IHttp1HeadersHandler
    {
        data = default;
        error = default;
        consumed = buffer.Start;
        examined = buffer.Start;
        switch (_kind)
        {
            case Http1BodyKind.None:
                return Http1BodyStatus.Completed;
            case Http1BodyKind.CloseDelimited:
                if (!buffer.IsEmpty)
                {
                    data = buffer;
                    consumed = examined = buffer.End;
                    return Http1BodyStatus.Data;
                }

                return isFinalBlock ? Http1BodyStatus.Completed : NeedMore(buffer, out examined);
            case Http1BodyKind.ContentLength:
                if (_remaining == 0)
                {
                    return Http1BodyStatus.Completed;
                }

                if (buffer.IsEmpty)
                {
                    return isFinalBlock ? Fail(Http1Error.UnexpectedEndOfBody, 0, out error) : NeedMore(buffer, out examined);
                }

                data = buffer.Length <= _remaining ? buffer : buffer.Slice(0, _remaining);
                _remaining -= data.Length;
                consumed = examined = data.End;
                return Http1BodyStatus.Data;
            default:
                return ReadChunked(ref trailerHandler, buffer, isFinalBlock, out data, out consumed, out examined, out error);
        }
    }

    private static Http1BodyStatus NeedMore(in ReadOnlySequence<byte> buffer, out SequencePosition examined)
    {
        examined = buffer.End;
        return Http1BodyStatus.NeedMoreData;
    }

    private static Http1BodyStatus Fail(Http1Error code, long offset, out Http1ParseError error)
    {
        error = new Http1ParseError(code, offset);
        return Http1BodyStatus.Error;
    }

    private Http1BodyStatus ReadChunked<THandler>(ref THandler trailerHandler, in ReadOnlySequence<byte> buffer, bool isFinalBlock, out ReadOnlySequence<byte> data, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
        where THandler : struct, IHttp1HeadersHandler
    {
        data = default;
        error = default;
        var rest = buffer;
        while (true)
        {
            consumed = rest.Start;
            examined = rest.Start;
            var offset = buffer.Length - rest.Length;
            switch (_state)
            {
                case ChunkState.Size:
                {
                    var status = ReadChunkSize(ref rest, offset, out error);
                    if (status == Http1ScanStatus.Error)
                    {
                        return Http1BodyStatus.Error;
                    }

                    if (status == Http1ScanStatus.Incomplete)
                    {
                        return NeedMoreOrTruncated(rest, isFinalBlock, offset, out examined, out error);
                    }

                    _state = _remaining == 0 ? ChunkState.Trailers : ChunkState.Data;
                    continue;
                }

                case ChunkState.Data:
                    if (rest.IsEmpty)
                    {
                        return NeedMoreOrTruncated(rest, isFinalBlock, offset, out examined, out error);
                    }

                    data = rest.Length <= _remaining ? rest : rest.Slice(0, _remaining);
                    _remaining -= data.Length;
                    if (_remaining == 0)
                    {
                        _state = ChunkState.DataEnd;
                    }

                    consumed = examined = data.End;
                    return Http1BodyStatus.Data;
                case ChunkState.DataEnd:
                {
                    var first = ByteAt(rest, 0);
                    if (first >= 0 && first != Http1Chars.CR)
                    {
                        return Fail(Http1Error.MissingChunkDataTerminator, offset, out error);
                    }

                    if (rest.Length < 2)
                    {
                        return NeedMoreOrTruncated(rest, isFinalBlock, offset, out examined, out error);
                    }

                    if (ByteAt(rest, 1) != Http1Chars.LF)
                    {
                        return Fail(Http1Error.MissingChunkDataTerminator, offset + 1, out error);
                    }

                    rest = rest.Slice(2);
                    _state = ChunkState.Size;
                    continue;
                }

                case ChunkState.Trailers:
                {
                    var status = ReadTrailers(ref trailerHandler, ref rest, offset, out error);
                    if (status == Http1ScanStatus.Error)
                    {
                        return Http1BodyStatus.Error;
                    }

                    if (status == Http1ScanStatus.Incomplete)
                    {
                        return NeedMoreOrTruncated(rest, isFinalBlock, offset, out examined, out error);
                    }

                    _state = ChunkState.Done;
                    continue;
                }

                default:
                    return Http1BodyStatus.Completed;
            }
        }
    }

    private static Http1BodyStatus NeedMoreOrTruncated(in ReadOnlySequence<byte> rest, bool isFinalBlock, long offset, out SequencePosition examined, out Http1ParseError error)
    {
        error = default;
        examined = rest.End;
        return isFinalBlock ? Fail(Http1Error.UnexpectedEndOfBody, offset + rest.Length, out error) : Http1BodyStatus.NeedMoreData;
    }

    /// <summary><c>chunk-size [ chunk-ext ] CRLF</c> with <c>chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )</c>.</summary>
    private Http1ScanStatus ReadChunkSize(ref ReadOnlySequence<byte> rest, long offset, out Http1ParseError error)
    {
        error = default;
        var window = rest.Length > _limits.MaxChunkLineBytes ? rest.Slice(0, _limits.MaxChunkLineBytes) : rest;
        var lf = window.PositionOf(Http1Chars.LF);
        if (lf is null)
        {
            if (rest.Length >= _limits.MaxChunkLineBytes)
            {
                error = new Http1ParseError(Http1Error.ChunkLineTooLong, offset);
                return Http1ScanStatus.Error;
            }

            // Reject junk early instead of waiting for a line that will never be valid.
            var first = ByteAt(rest, 0);
            if (first >= 0 && !IsHex((byte)first))
            {
                error = new Http1ParseError(Http1Error.InvalidChunkSize, offset);
                return Http1ScanStatus.Error;
            }

            return Http1ScanStatus.Incomplete;
        }

        var lineWithCr = rest.Slice(0, lf.Value);
        if (ByteAt(lineWithCr, lineWithCr.Length - 1) != Http1Chars.CR)
        {
            error = new Http1ParseError(Http1Error.BareLineFeed, offset + lineWithCr.Length);
            return Http1ScanStatus.Error;
        }

        var reader = new SequenceReader<byte>(lineWithCr.Slice(0, lineWithCr.Length - 1));
        long size = 0;
        var digits = 0;
        while (reader.TryPeek(out var b) && IsHex(b))
        {
            if (size > (long.MaxValue >> 4))
            {
                error = new Http1ParseError(Http1Error.ChunkSizeOverflow, offset + reader.Consumed);
                return Http1ScanStatus.Error;
            }

            size = (size << 4) | (long)HexValue(b);
            digits++;
            reader.Advance(1);
        }

        if (digits == 0)
        {
            error = new Http1ParseError(Http1Error.InvalidChunkSize, offset);
            return Http1ScanStatus.Error;
        }

        if (!reader.End)
        {
            reader.AdvancePastAny(Http1Chars.SP, Http1Chars.HTab);
            if (!reader.TryRead(out var b) || b != (byte)';')
            {
                error = new Http1ParseError(Http1Error.InvalidChunkSize, offset + reader.Consumed);
                return Http1ScanStatus.Error;
            }

            foreach (var segment in reader.UnreadSequence)
            {
                if (segment.Span.IndexOfAny(Http1Chars.InvalidFieldValue) >= 0)
                {
                    error = new Http1ParseError(Http1Error.InvalidChunkExtension, offset + reader.Consumed);
                    return Http1ScanStatus.Error;
                }
            }
        }

        _remaining = size;
        rest = rest.Slice(rest.GetPosition(1, lf.Value));
        return Http1ScanStatus.Complete;
    }

    private Http1ScanStatus ReadTrailers<THandler>(ref THandler handler, ref ReadOnlySequence<byte> rest, long offset, out Http1ParseError error)
        where THandler : struct, IHttp1HeadersHandler
    {
        var status = _trailerScanner.Scan(rest, skipLeadingEmptyLines: false, _limits.MaxHeadBytes, _limits.MaxHeaderCount, out _, out var end, out error);
        if (status != Http1ScanStatus.Complete)
        {
            if (status == Http1ScanStatus.Error)
            {
                error = new Http1ParseError(error.Code, offset + error.Offset);
            }

            return status;
        }

        var section = rest.Slice(0, end);
        var state = default(Http1FieldState);
        Http1Error code;
        long at;
        if (section.IsSingleSegment)
        {
            code = Http1HeadParser.ParseFields(ref handler, section.FirstSpan, offset, observeKnown: false, ref state, out at);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)section.Length);
            try
            {
                section.CopyTo(rented);
                code = Http1HeadParser.ParseFields(ref handler, rented.AsSpan(0, (int)section.Length), offset, observeKnown: false, ref state, out at);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (code != Http1Error.None)
        {
            error = new Http1ParseError(code, at);
            return Http1ScanStatus.Error;
        }

        rest = rest.Slice(end);
        return Http1ScanStatus.Complete;
    }

    private static int ByteAt(in ReadOnlySequence<byte> sequence, long index)
    {
        if (index < 0 || index >= sequence.Length)
        {
            return -1;
        }

        var first = sequence.FirstSpan;
        return index < first.Length ? first[(int)index] : sequence.Slice(index, 1).FirstSpan[0];
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
