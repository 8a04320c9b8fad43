namespace MeshProxy.Core.Listeners.Filters;

/// <summary>What <see cref="TlsClientHelloParser"/> made of the bytes so far.</summary>
internal enum TlsClientHelloStatus
{
    /// <summary>Could still be a ClientHello; wait for more bytes.</summary>
    NeedMoreData,

    /// <summary>Not a TLS handshake (or a malformed one): the connection is <c>raw_buffer</c>.</summary>
    NotTls,

    /// <summary>A complete ClientHello; SNI and ALPN are filled in when present.</summary>
    ClientHello,

    /// <summary>The ClientHello exceeds <see cref="TlsClientHelloParser.MaxClientHelloSize"/>.</summary>
    TooLarge,
}
