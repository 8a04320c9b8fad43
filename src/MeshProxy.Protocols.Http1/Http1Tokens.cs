namespace MeshProxy.Protocols.Http1;

/// <summary>Pre-encoded bytes the writer copies (u8 literals live in the binary's data, so no allocation).</summary>
internal static class Http1Tokens
{
    public static ReadOnlySpan<byte> Http11 => "HTTP/1.1"u8;

    public static ReadOnlySpan<byte> Http10 => "HTTP/1.0"u8;

    public static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    public static ReadOnlySpan<byte> ColonSpace => ": "u8;

    public static ReadOnlySpan<byte> ContentLengthPrefix => "Content-Length: "u8;

    public static ReadOnlySpan<byte> TransferEncodingChunked => "Transfer-Encoding: chunked\r\n"u8;

    public static ReadOnlySpan<byte> ConnectionClose => "Connection: close\r\n"u8;

    public static ReadOnlySpan<byte> ConnectionKeepAlive => "Connection: keep-alive\r\n"u8;

    public static ReadOnlySpan<byte> ConnectionUpgrade => "Connection: upgrade\r\n"u8;

    public static ReadOnlySpan<byte> UpgradePrefix => "Upgrade: "u8;

    public static ReadOnlySpan<byte> LastChunk => "0\r\n"u8;

    public static ReadOnlySpan<byte> Continue => "HTTP/1.1 100 Continue\r\n\r\n"u8;

    /// <summary>Reason phrases for the statuses a proxy sends or sees most; others go out with an empty reason.</summary>
    public static ReadOnlySpan<byte> ReasonPhrase(int status) => status switch
    {
        100 => "Continue"u8,
        101 => "Switching Protocols"u8,
        200 => "OK"u8,
        201 => "Created"u8,
        202 => "Accepted"u8,
        204 => "No Content"u8,
        206 => "Partial Content"u8,
        301 => "Moved Permanently"u8,
        302 => "Found"u8,
        303 => "See Other"u8,
        304 => "Not Modified"u8,
        307 => "Temporary Redirect"u8,
        308 => "Permanent Redirect"u8,
        400 => "Bad Request"u8,
        401 => "Unauthorized"u8,
        403 => "Forbidden"u8,
        404 => "Not Found"u8,
        405 => "Method Not Allowed"u8,
        408 => "Request Timeout"u8,
        411 => "Length Required"u8,
        413 => "Content Too Large"u8,
        414 => "URI Too Long"u8,
        417 => "Expectation Failed"u8,
        426 => "Upgrade Required"u8,
        429 => "Too Many Requests"u8,
        431 => "Request Header Fields Too Large"u8,
        500 => "Internal Server Error"u8,
        501 => "Not Implemented"u8,
        502 => "Bad Gateway"u8,
        503 => "Service Unavailable"u8,
        504 => "Gateway Timeout"u8,
        505 => "HTTP Version Not Supported"u8,
        _ => [],
    };
}
