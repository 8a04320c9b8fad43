using System.Buffers;

namespace MeshProxy.Protocols.Http1;

/// <summary>
/// First pass over a head or trailer section: finds the empty line that ends it, checking on the way that every
/// line ends in CRLF and that the byte and line limits hold. It remembers how far it got, so a head that arrives a
/// byte at a time is scanned once in total, not once per byte (the caller passes a buffer that starts where the
/// previous one did, which is what a pipe reader does after <c>AdvanceTo(start, end)</c>).
/// </summary>
internal struct Http1HeadScanner
{
    private long _resumeAt;
    private long _lineStart;
    private long _headStart;
    private int _lines;

    public void Reset() => this = default;

    /// <param name="buffer">Bytes starting at the head (or at leading empty lines).</param>
    /// <param name="skipLeadingEmptyLines">Requests: ignore CRLFs before the request line (RFC 9112 section 2.2).</param>
    /// <param name="maxBytes">Limit on bytes up to and including the final CRLF.</param>
    /// <param name="maxLines">Limit on non-empty lines.</param>
    /// <param name="headStart">Offset of the first non-empty line.</param>
    /// <param name="headEnd">Offset just past the final CRLF.</param>
    /// <param name="error">Set when the result is <see cref="Http1ScanStatus.Error"/>.</param>
    public Http1ScanStatus Scan(
        in ReadOnlySequence<byte> buffer,
        bool skipLeadingEmptyLines,
        int maxBytes,
        int maxLines,
        out long headStart,
        out long headEnd,
        out Http1ParseError error)
    {
        headStart = 0;
        headEnd = 0;
        error = default;
        if (buffer.Length < _resumeAt)
        {
            Reset();
        }

        long offset = 0;
        byte previous = 0;
        foreach (var memory in buffer)
        {
            var span = memory.Span;
            if (span.IsEmpty)
            {
                continue;
            }

            var segmentEnd = offset + span.Length;
            if (segmentEnd <= _resumeAt)
            {
                previous = span[^1];
                offset = segmentEnd;
                continue;
            }

            var i = (int)Math.Max(0, _resumeAt - offset);
            if (i > 0)
            {
                previous = span[i - 1];
            }

            while (true)
            {
                var found = span[i..].IndexOf(Http1Chars.LF);
                if (found < 0)
                {
                    break;
                }

                var at = i + found;
                var lf = offset + at;
                var before = at > 0 ? span[at - 1] : previous;
                if (lf == _lineStart || before != Http1Chars.CR)
                {
                    error = new Http1ParseError(Http1Error.BareLineFeed, lf);
                    Reset();
                    return Http1ScanStatus.Error;
                }

                var next = lf + 1;
                if (next > maxBytes)
                {
                    error = new Http1ParseError(Http1Error.HeadersTooLarge, maxBytes);
                    Reset();
                    return Http1ScanStatus.Error;
                }

                if (lf - 1 == _lineStart)
                {
                    if (_lines == 0 && skipLeadingEmptyLines)
                    {
                        _headStart = next;
                    }
                    else
                    {
                        headStart = _headStart;
                        headEnd = next;
                        Reset();
                        return Http1ScanStatus.Complete;
                    }
                }
                else if (++_lines > maxLines)
                {
                    error = new Http1ParseError(Http1Error.TooManyHeaders, _lineStart);
                    Reset();
                    return Http1ScanStatus.Error;
                }

                _lineStart = next;
                i = at + 1;
            }

            previous = span[^1];
            offset = segmentEnd;
        }

        _resumeAt = offset;
        if (offset > maxBytes)
        {
            error = new Http1ParseError(Http1Error.HeadersTooLarge, maxBytes);
            Reset();
            return Http1ScanStatus.Error;
        }

        return Http1ScanStatus.Incomplete;
    }
}
