using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>An ordered list of network filters; the last one is terminal (tcp_proxy, a connection manager).</summary>
public sealed record FilterChainConfig(string Name, ImmutableArray<NetworkFilterConfig> Filters);
