namespace MeshProxy.Core.Config;

/// <summary>A listener filter: runs on an accepted connection before filter-chain matching.</summary>
/// <param name="Name">The filter's configured name.</param>
/// <param name="Kind">Which built-in listener filter.</param>
public sealed record ListenerFilterConfig(string Name, ListenerFilterKind Kind);

public enum ListenerFilterKind
{
    /// <summary><c>envoy.filters.listener.original_dst</c>: the destination before iptables REDIRECT (SO_ORIGINAL_DST).</summary>
    OriginalDst,

    /// <summary><c>envoy.filters.listener.tls_inspector</c>: peeks the ClientHello for SNI and ALPN; sets transport <c>tls</c>.</summary>
    TlsInspector,

    /// <summary><c>envoy.filters.listener.http_inspector</c>: peeks plaintext for <c>http/1.1</c>, <c>http/1.0</c> or <c>h2c</c>.</summary>
    HttpInspector,
}
