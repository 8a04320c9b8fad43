using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>An ordered list of network filters; the last one is terminal (tcp_proxy, a connection manager).</summary>
/// <param name="Name">Chain name (Envoy's <c>filter_chains[].name</c>), may be empty.</param>
/// <param name="Filters">Network filters in order.</param>
public sealed record FilterChainConfig(string Name, ImmutableArray<NetworkFilterConfig> Filters)
{
    /// <summary>Which connections this chain serves; <see cref="FilterChainMatchConfig.Any"/> when unset.</summary>
    public FilterChainMatchConfig Match { get; init; } = FilterChainMatchConfig.Any;

    /// <summary>
    /// The chain asks for a TLS transport socket, which MeshProxy cannot terminate yet. The chain is kept (so the
    /// listener is accepted and its other chains serve) but connections it matches are closed and counted: serving
    /// plaintext where TLS was asked for is never an option.
    /// </summary>
    public bool RequiresTls { get; init; }
}
