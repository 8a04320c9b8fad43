namespace MeshProxy.Protocols.Http1;

/// <summary>
/// What the parser decided about a message once its head was complete: framing and connection semantics.
/// The connection manager acts on these instead of reading the headers again.
/// </summary>
/// <param name="Version">The message's version.</param>
/// <param name="Framing">How the body ends (for responses, already decided by the request method and status).</param>
/// <param name="KeepAlive">Whether the connection may carry another message after this one (RFC 9112 section 9.3).</param>
/// <param name="ExpectContinue">An HTTP/1.1 request with <c>Expect: 100-continue</c>.</param>
/// <param name="IsUpgrade">Request: HTTP/1.1 with Upgrade and a Connection <c>upgrade</c> token. Response: status 101.</param>
/// <param name="IsConnect">Request: the method is CONNECT. Response: a 2xx answer to CONNECT.</param>
public readonly record struct Http1MessageInfo(
    Http1Version Version,
    Http1BodyFraming Framing,
    bool KeepAlive,
    bool ExpectContinue,
    bool IsUpgrade,
    bool IsConnect)
{
    /// <summary>A response after which the connection is a byte tunnel (101 Switching Protocols, or 2xx to CONNECT).</summary>
    public bool IsTunnel => IsUpgrade || IsConnect;
}
