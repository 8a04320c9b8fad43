using System.Buffers;

namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Parses request heads (downstream) or response heads (upstream) from a pipe's buffer, one per connection.
/// <para>
/// Each call returns true with the head delivered to the handler and <c>consumed</c> just past it (a pipelined
/// message may follow); false with <c>error.IsError</c> when the head is bad (answer and close); or false with no
/// error when more bytes are needed (<c>AdvanceTo(consumed, examined)</c> and read again). Bad input never throws.
/// </para>
/// <para>
/// Handler calls happen only once the whole head is in the buffer, so a head split across reads is never
/// half-delivered. The head is parsed in place when it lies in one segment; otherwise it is copied once into a
/// pooled array first. The parser keeps how far it scanned an incomplete head, so the next call must pass a buffer
/// that starts at the same place (what a pipe gives after <c>AdvanceTo(consumed, examined)</c>); call
/// <see cref="Reset"/> if the caller drops the buffer instead.
/// </para>
/// </summary>
public sealed class Http1Parser
{
    private Http1HeadScanner _scanner;

    public Http1Parser(Http1Limits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Limits = limits;
    }

    public Http1Parser()
        : this(Http1Limits.Default)
    {
    }

    public Http1Limits Limits { get; }

    public void Reset() => _scanner.Reset();

    /// <summary>Parses into a reusable <see cref="Http1RequestHead"/>; call <see cref="Http1RequestHead.Reset"/> between requests.</summary>
    public bool TryParseRequestHead(Http1RequestHead head, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
    {
        ArgumentNullException.ThrowIfNull(head);
        var handler = new Http1RequestHead.Handler(head);
        return TryParseRequestHead(ref handler, buffer, out consumed, out examined, out error);
    }

    public bool TryParseRequestHead<THandler>(ref THandler handler, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
        where THandler : struct, IHttp1RequestHandler
    {
        if (!TryFindHead(buffer, isRequest: true, out var headStart, out var headEnd, out consumed, out examined, out error))
        {
            return false;
        }

        var headBytes = buffer.Slice(headStart, headEnd - headStart);
        Http1Error code;
        long at;
        if (headBytes.IsSingleSegment)
        {
            code = Http1HeadParser.ParseRequest(ref handler, headBytes.FirstSpan, headStart, out at);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)headBytes.Length);
            try
            {
                headBytes.CopyTo(rented);
                code = Http1HeadParser.ParseRequest(ref handler, rented.AsSpan(0, (int)headBytes.Length), headStart, out at);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return Finish(buffer, code, at, headEnd, ref consumed, ref examined, out error);
    }

    /// <summary>Parses into a reusable <see cref="Http1ResponseHead"/>; call <see cref="Http1ResponseHead.Reset"/> between responses.</summary>
    /// <param name="head">Destination.</param>
    /// <param name="requestMethod">The method of the request being answered: HEAD and CONNECT change the framing.</param>
    /// <param name="buffer">Bytes from the upstream.</param>
    /// <param name="consumed">Just past the head on success, else the buffer's start.</param>
    /// <param name="examined">Just past the head on success, else the buffer's end.</param>
    /// <param name="error">Why the head was rejected (the proxy answers 502).</param>
    public bool TryParseResponseHead(Http1ResponseHead head, Http1Method requestMethod, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
    {
        ArgumentNullException.ThrowIfNull(head);
        var handler = new Http1ResponseHead.Handler(head);
        return TryParseResponseHead(ref handler, requestMethod, buffer, out consumed, out examined, out error);
    }

    public bool TryParseResponseHead<THandler>(ref THandler handler, Http1Method requestMethod, in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
        where THandler : struct, IHttp1ResponseHandler
    {
        if (!TryFindHead(buffer, isRequest: false, out var headStart, out var headEnd, out consumed, out examined, out error))
        {
            return false;
        }

        var headBytes = buffer.Slice(headStart, headEnd - headStart);
        Http1Error code;
        long at;
        if (headBytes.IsSingleSegment)
        {
            code = Http1HeadParser.ParseResponse(ref handler, requestMethod, headBytes.FirstSpan, headStart, out at);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent((int)headBytes.Length);
            try
            {
                headBytes.CopyTo(rented);
                code = Http1HeadParser.ParseResponse(ref handler, requestMethod, rented.AsSpan(0, (int)headBytes.Length), headStart, out at);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return Finish(buffer, code, at, headEnd, ref consumed, ref examined, out error);
    }

    private static bool Finish(in ReadOnlySequence<byte> buffer, Http1Error code, long at, long headEnd, ref SequencePosition consumed, ref SequencePosition examined, out Http1ParseError error)
    {
        if (code != Http1Error.None)
        {
            error = new Http1ParseError(code, at);
            return false;
        }

        error = default;
        consumed = buffer.GetPosition(headEnd);
        examined = consumed;
        return true;
    }

    private bool TryFindHead(in ReadOnlySequence<byte> buffer, bool isRequest, out long headStart, out long headEnd, out SequencePosition consumed, out SequencePosition examined, out Http1ParseError error)
    {
        consumed = buffer.Start;
        var status = _scanner.Scan(buffer, skipLeadingEmptyLines: isRequest, Limits.MaxHeadBytes, Limits.MaxHeaderCount + 1, out headStart, out headEnd, out error);
        examined = status == Http1ScanStatus.Incomplete ? buffer.End : buffer.Start;
        return status == Http1ScanStatus.Complete;
    }
}
