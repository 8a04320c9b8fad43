using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>A listener filter: runs on an accepted connection before filter-chain matching.</summary>
/// <param name="Name">The filter's configured name.</param>
/// <param name="Kind">Which built-in listener filter.</param>
public sealed record ListenerFilterConfig(string Name, ListenerFilterKind Kind)
{
    /// <summary>Envoy's <c>filter_disabled</c> reduced to what Istio sends: destination port ranges where the filter
    /// does not run (so server-first protocols are not held waiting for bytes that never come).</summary>
    public ImmutableArray<PortRange> DisabledForDestinationPorts { get; init; } = [];
}

/// <summary>A half-open port range <c>[Start, End)</c>, as Envoy's <c>Int32Range</c>.</summary>
public readonly record struct PortRange(int Start, int End)
{
    public bool Contains(int port) => port >= Start && port < End;
}

public enum ListenerFilterKind
{
    /// <summary><c>envoy.filters.listener.original_dst</c>: the destination before iptables REDIRECT (SO_ORIGINAL_DST).</summary>
    OriginalDst,

    /// <summary><c>envoy.filters.listener.tls_inspector</c>: peeks the ClientHello for SNI and ALPN; sets transport <c>tls</c>.</summary>
    TlsInspector,

    /// <summary><c>envoy.filters.listener.http_inspector</c>: peeks plaintext for <c>http/1.1</c>, <c>http/1.0</c> or <c>h2c</c>.</summary>
    HttpInspector,
}
