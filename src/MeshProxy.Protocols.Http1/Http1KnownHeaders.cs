using System.Text;

namespace MeshProxy.Protocols.Http1;

/// <summary>Name lookup (case-insensitive, by length first) and the hop-by-hop set.</summary>
public static class Http1KnownHeaders
{
    internal const int Count = (int)Http1KnownHeader.XForwardedProto + 1;

    public static Http1KnownHeader Lookup(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => Is(name, "te"u8) ? Http1KnownHeader.TE : Http1KnownHeader.None,
        3 => Is(name, "via"u8) ? Http1KnownHeader.Via : Http1KnownHeader.None,
        4 => Is(name, "host"u8) ? Http1KnownHeader.Host : Is(name, "date"u8) ? Http1KnownHeader.Date : Http1KnownHeader.None,
        6 => (name[0] | 0x20) switch
        {
            'a' when Is(name, "accept"u8) => Http1KnownHeader.Accept,
            'c' when Is(name, "cookie"u8) => Http1KnownHeader.Cookie,
            'e' when Is(name, "expect"u8) => Http1KnownHeader.Expect,
            's' when Is(name, "server"u8) => Http1KnownHeader.Server,
            _ => Http1KnownHeader.None,
        },
        7 => Is(name, "upgrade"u8) ? Http1KnownHeader.Upgrade : Is(name, "trailer"u8) ? Http1KnownHeader.Trailer : Http1KnownHeader.None,
        10 => (name[0] | 0x20) switch
        {
            'c' when Is(name, "connection"u8) => Http1KnownHeader.Connection,
            'k' when Is(name, "keep-alive"u8) => Http1KnownHeader.KeepAlive,
            'u' when Is(name, "user-agent"u8) => Http1KnownHeader.UserAgent,
            _ => Http1KnownHeader.None,
        },
        12 => Is(name, "x-request-id"u8) ? Http1KnownHeader.XRequestId : Is(name, "content-type"u8) ? Http1KnownHeader.ContentType : Http1KnownHeader.None,
        13 => Is(name, "authorization"u8) ? Http1KnownHeader.Authorization : Http1KnownHeader.None,
        14 => Is(name, "content-length"u8) ? Http1KnownHeader.ContentLength : Http1KnownHeader.None,
        15 => Is(name, "x-forwarded-for"u8) ? Http1KnownHeader.XForwardedFor : Http1KnownHeader.None,
        16 => Is(name, "proxy-connection"u8) ? Http1KnownHeader.ProxyConnection : Http1KnownHeader.None,
        17 => Is(name, "transfer-encoding"u8) ? Http1KnownHeader.TransferEncoding : Is(name, "x-forwarded-proto"u8) ? Http1KnownHeader.XForwardedProto : Http1KnownHeader.None,
        _ => Http1KnownHeader.None,
    };

    /// <summary>The canonical name as written by the writer.</summary>
    public static ReadOnlySpan<byte> GetName(Http1KnownHeader header) => header switch
    {
        Http1KnownHeader.Host => "Host"u8,
        Http1KnownHeader.ContentLength => "Content-Length"u8,
        Http1KnownHeader.TransferEncoding => "Transfer-Encoding"u8,
        Http1KnownHeader.Connection => "Connection"u8,
        Http1KnownHeader.KeepAlive => "Keep-Alive"u8,
        Http1KnownHeader.ProxyConnection => "Proxy-Connection"u8,
        Http1KnownHeader.TE => "TE"u8,
        Http1KnownHeader.Trailer => "Trailer"u8,
        Http1KnownHeader.Upgrade => "Upgrade"u8,
        Http1KnownHeader.Expect => "Expect"u8,
        Http1KnownHeader.XRequestId => "x-request-id"u8,
        Http1KnownHeader.ContentType => "Content-Type"u8,
        Http1KnownHeader.UserAgent => "User-Agent"u8,
        Http1KnownHeader.Accept => "Accept"u8,
        Http1KnownHeader.Authorization => "Authorization"u8,
        Http1KnownHeader.Cookie => "Cookie"u8,
        Http1KnownHeader.Date => "Date"u8,
        Http1KnownHeader.Server => "Server"u8,
        Http1KnownHeader.Via => "Via"u8,
        Http1KnownHeader.XForwardedFor => "x-forwarded-for"u8,
        Http1KnownHeader.XForwardedProto => "x-forwarded-proto"u8,
        _ => [],
    };

    /// <summary>
    /// Fields that describe one connection, not the message (RFC 9110 section 7.6.1), plus Proxy-Connection
    /// and Keep-Alive which old clients send. A proxy drops them, and those named by Connection.
    /// </summary>
    public static bool IsHopByHop(Http1KnownHeader header) => header is Http1KnownHeader.Connection
        or Http1KnownHeader.KeepAlive or Http1KnownHeader.ProxyConnection or Http1KnownHeader.TE
        or Http1KnownHeader.Trailer or Http1KnownHeader.TransferEncoding or Http1KnownHeader.Upgrade;

    public static string ToString(Http1KnownHeader header) => Encoding.ASCII.GetString(GetName(header));

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerCase) => Ascii.EqualsIgnoreCase(name, lowerCase);
}
