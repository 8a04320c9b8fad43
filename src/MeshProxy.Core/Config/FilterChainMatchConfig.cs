using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>
/// Envoy's <c>FilterChainMatch</c>. Every set criterion must hold; an empty list or null means "any". When several
/// chains match, the most specific wins, criterion by criterion in Envoy's order: destination port, destination IP
/// (longest prefix), server name (exact, then longest wildcard suffix), transport protocol, application protocols,
/// direct source IP, source type, source IP (longest prefix), source port.
/// </summary>
public sealed record FilterChainMatchConfig
{
    public static FilterChainMatchConfig Any { get; } = new();

    public int? DestinationPort { get; init; }

    /// <summary>Destination (local or original destination) address ranges.</summary>
    public ImmutableArray<CidrRange> PrefixRanges { get; init; } = [];

    /// <summary>Ranges for the directly connected peer (not a PROXY-protocol or XFF source).</summary>
    public ImmutableArray<CidrRange> DirectSourcePrefixRanges { get; init; } = [];

    public ConnectionSourceType SourceType { get; init; }

    public ImmutableArray<CidrRange> SourcePrefixRanges { get; init; } = [];

    public ImmutableArray<int> SourcePorts { get; init; } = [];

    /// <summary>SNI values: exact (<c>www.example.com</c>) or wildcard (<c>*.example.com</c>), lower case.</summary>
    public ImmutableArray<string> ServerNames { get; init; } = [];

    /// <summary><c>raw_buffer</c>, <c>tls</c>, or empty for any (set by tls_inspector).</summary>
    public string TransportProtocol { get; init; } = string.Empty;

    /// <summary>ALPN values from tls_inspector, or <c>http/1.1</c>/<c>h2c</c> from http_inspector.</summary>
    public ImmutableArray<string> ApplicationProtocols { get; init; } = [];
}

/// <summary>Envoy's <c>FilterChainMatch.ConnectionSourceType</c>.</summary>
public enum ConnectionSourceType
{
    Any,

    /// <summary>The source address is local to this host (same IP as the destination, or loopback).</summary>
    SameIpOrLoopback,

    External,
}
