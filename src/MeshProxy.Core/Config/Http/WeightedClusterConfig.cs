namespace MeshProxy.Core.Config.Http;

/// <summary>One target of <c>weighted_clusters</c>.</summary>
/// <param name="Name">Cluster name.</param>
/// <param name="Weight">Relative weight; 0 takes no traffic.</param>
public sealed record WeightedClusterConfig(string Name, uint Weight)
{
    /// <summary>Header changes when this cluster is picked, applied before the route's.</summary>
    public HeaderMutationConfig Headers { get; init; } = HeaderMutationConfig.None;

    /// <summary>
    /// <c>host_rewrite_literal</c>: sets the upstream <c>:authority</c>/<c>host</c> when this cluster is picked; null
    /// leaves it. The route's own host rewrite, when set, is applied after it and wins (Envoy's order).
    /// </summary>
    public string? HostRewriteLiteral { get; init; }
}
