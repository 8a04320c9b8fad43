using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>An ordered list of network filters; the last one is terminal (tcp_proxy, a connection manager).</summary>
/// <param name="Name">Chain name (Envoy's <c>filter_chains[].name</c>), may be empty.</param>
/// <param name="Filters">Network filters in order.</param>
public sealed record FilterChainConfig(string Name, ImmutableArray<NetworkFilterConfig> Filters)
{
    /// <summary>Which connections this chain serves; <see cref="FilterChainMatchConfig.Any"/> when unset.</summary>
    public FilterChainMatchConfig Match { get; init; } = FilterChainMatchConfig.Any;
}
