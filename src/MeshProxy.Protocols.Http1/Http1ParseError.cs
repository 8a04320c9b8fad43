namespace MeshProxy.Protocols.Http1;

/// <summary>
/// A rejected message as a value: which rule, and where (bytes from the start of the buffer that was parsed).
/// Allocation-free: <see cref="Message"/> is a literal chosen by <see cref="Code"/>.
/// </summary>
public readonly struct Http1ParseError : IEquatable<Http1ParseError>
{
    /// <summary>Status a proxy answers with when an upstream response is bad (Envoy: 502 and close).</summary>
    public const int ResponseStatusCode = 502;

    public Http1ParseError(Http1Error code, long offset)
    {
        Code = code;
        Offset = offset;
    }

    public Http1Error Code { get; }

    /// <summary>Bytes from the start of the parsed buffer to (about) the offending byte.</summary>
    public long Offset { get; }

    public bool IsError => Code != Http1Error.None;

    public string Message => Describe(Code);

    /// <summary>
    /// Status for a bad downstream request: 431 for size/count limits (as Envoy), 505 for other HTTP versions,
    /// 501 for transfer codings we do not implement, 400 for everything else. Always followed by close.
    /// </summary>
    public int RequestStatusCode => Code switch
    {
        Http1Error.HeadersTooLarge or Http1Error.TooManyHeaders => 431,
        Http1Error.UnsupportedVersion => 505,
        Http1Error.UnsupportedTransferCoding => 501,
        _ => 400,
    };

    public static bool operator ==(Http1ParseError left, Http1ParseError right) => left.Equals(right);

    public static bool operator !=(Http1ParseError left, Http1ParseError right) => !left.Equals(right);

    public Http1ProtocolException ToException() => new(this);

    public bool Equals(Http1ParseError other) => Code == other.Code && Offset == other.Offset;

    public override bool Equals(object? obj) => obj is Http1ParseError other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Code, Offset);

    public override string ToString() => $"{Code} at byte {Offset}: {Message}";

    private static string Describe(Http1Error code) => code switch
    {
        Http1Error.None => "no error",
        Http1Error.InvalidRequestLine => "malformed request line",
        Http1Error.InvalidMethod => "method is not a token",
        Http1Error.InvalidRequestTarget => "invalid request target",
        Http1Error.InvalidVersion => "malformed HTTP version",
        Http1Error.UnsupportedVersion => "HTTP version not supported",
        Http1Error.InvalidStatusLine => "malformed status line",
        Http1Error.BareLineFeed => "line terminated by LF without CR",
        Http1Error.ObsoleteLineFolding => "obsolete line folding",
        Http1Error.InvalidHeaderName => "invalid header name",
        Http1Error.WhitespaceBeforeColon => "whitespace between header name and colon",
        Http1Error.InvalidHeaderValue => "invalid character in header value",
        Http1Error.HeadersTooLarge => "headers too large",
        Http1Error.TooManyHeaders => "too many headers",
        Http1Error.MissingHost => "HTTP/1.1 request without Host",
        Http1Error.DuplicateHost => "more than one Host",
        Http1Error.InvalidContentLength => "invalid Content-Length",
        Http1Error.ConflictingContentLength => "conflicting Content-Length values",
        Http1Error.ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding",
        Http1Error.InvalidTransferEncoding => "invalid Transfer-Encoding",
        Http1Error.ChunkedNotFinalEncoding => "chunked is not the final transfer coding",
        Http1Error.UnsupportedTransferCoding => "unsupported transfer coding",
        Http1Error.TransferEncodingInHttp10 => "Transfer-Encoding in an HTTP/1.0 message",
        Http1Error.InvalidChunkSize => "invalid chunk size",
        Http1Error.ChunkSizeOverflow => "chunk size overflows",
        Http1Error.InvalidChunkExtension => "invalid chunk extension",
        Http1Error.ChunkLineTooLong => "chunk size line too long",
        Http1Error.MissingChunkDataTerminator => "chunk data not followed by CRLF",
        Http1Error.UnexpectedEndOfBody => "connection closed before the end of the body",
        _ => "protocol error",
    };
}
