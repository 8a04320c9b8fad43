namespace MeshProxy.Protocols.Http1;

/// <summary>Headers the codec or the proxy looks up by identity rather than by name.</summary>
public enum Http1KnownHeader : byte
{
    None = 0,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    KeepAlive,
    ProxyConnection,
    TE,
    Trailer,
    Upgrade,
    Expect,
    XRequestId,
    ContentType,
    UserAgent,
    Accept,
    Authorization,
    Cookie,
    Date,
    Server,
    Via,
    XForwardedFor,
    XForwardedProto,
}
