namespace MeshProxy.Protocols.Http1;

/// <summary>
/// One value per rule a message broke. The connection manager answers with
/// <see cref="Http1ParseError.RequestStatusCode"/> (downstream) or 502 (upstream) and closes the connection:
/// after any of these the byte stream can no longer be trusted to delimit messages.
/// </summary>
public enum Http1Error : byte
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>The request line is not <c>method SP target SP version</c> (extra or missing spaces, empty parts).</summary>
    InvalidRequestLine,

    /// <summary>The method contains a byte that is not a token character (RFC 9110 section 5.6.2).</summary>
    InvalidMethod,

    /// <summary>The target contains CTL, SP or DEL, or its form does not fit the method (RFC 9112 section 3.2).</summary>
    InvalidRequestTarget,

    /// <summary>The version is not <c>HTTP/DIGIT.DIGIT</c>.</summary>
    InvalidVersion,

    /// <summary>A well-formed version other than HTTP/1.0 and HTTP/1.1 (505 downstream).</summary>
    UnsupportedVersion,

    /// <summary>The status line is not <c>HTTP/1.x SP 3DIGIT [SP reason]</c> with a status in 100..599.</summary>
    InvalidStatusLine,

    /// <summary>A line ends in LF without CR (RFC 9112 section 2.2 allows, we reject like llhttp strict mode).</summary>
    BareLineFeed,

    /// <summary>A field line starts with SP or HTAB: obsolete line folding (RFC 9112 section 5.2).</summary>
    ObsoleteLineFolding,

    /// <summary>A field name is empty, has no colon, or contains a non-token byte.</summary>
    InvalidHeaderName,

    /// <summary>Whitespace between a field name and the colon (RFC 9112 section 5.1: MUST reject with 400).</summary>
    WhitespaceBeforeColon,

    /// <summary>A field value or reason phrase contains NUL, CR, LF, another CTL or DEL (RFC 9110 section 5.5).</summary>
    InvalidHeaderValue,

    /// <summary>The head (start line, fields, CRLFs) is larger than <see cref="Http1Limits.MaxHeadBytes"/> (431 downstream).</summary>
    HeadersTooLarge,

    /// <summary>More fields than <see cref="Http1Limits.MaxHeaderCount"/> (431 downstream).</summary>
    TooManyHeaders,

    /// <summary>An HTTP/1.1 request without Host (RFC 9112 section 3.2: MUST respond 400).</summary>
    MissingHost,

    /// <summary>A request with more than one Host field line (RFC 9112 section 3.2).</summary>
    DuplicateHost,

    /// <summary>Content-Length is empty, signed, has a non-digit or overflows a 63-bit length.</summary>
    InvalidContentLength,

    /// <summary>Content-Length given more than once with different values (RFC 9112 section 6.3 item 5).</summary>
    ConflictingContentLength,

    /// <summary>Both Content-Length and Transfer-Encoding: the classic smuggling vector (RFC 9112 section 6.3 item 3).</summary>
    ContentLengthWithTransferEncoding,

    /// <summary>Transfer-Encoding is empty or not a list of tokens.</summary>
    InvalidTransferEncoding,

    /// <summary>A request whose Transfer-Encoding does not end in chunked (RFC 9112 section 6.3 item 4: MUST respond 400).</summary>
    ChunkedNotFinalEncoding,

    /// <summary>A transfer coding other than a single chunked (501 downstream, as RFC 9112 section 6.1 and Envoy do).</summary>
    UnsupportedTransferCoding,

    /// <summary>Transfer-Encoding in an HTTP/1.0 message: framing is faulty (RFC 9112 section 6.1).</summary>
    TransferEncodingInHttp10,

    /// <summary>A chunk size that is empty or has a non-hex byte, or junk after it (RFC 9112 section 7.1).</summary>
    InvalidChunkSize,

    /// <summary>A chunk size that does not fit in a 63-bit length.</summary>
    ChunkSizeOverflow,

    /// <summary>A chunk extension containing a CTL byte.</summary>
    InvalidChunkExtension,

    /// <summary>A chunk-size line (size and extensions) longer than <see cref="Http1Limits.MaxChunkLineBytes"/>.</summary>
    ChunkLineTooLong,

    /// <summary>Chunk data not followed by CRLF.</summary>
    MissingChunkDataTerminator,

    /// <summary>The connection ended before the body did (Content-Length or chunked).</summary>
    UnexpectedEndOfBody,
}
