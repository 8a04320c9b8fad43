using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>
/// One complete, validated configuration snapshot. Built from a bootstrap file or from xDS,
/// never from Envoy proto types directly on the data plane; swapped as a whole.
/// </summary>
/// <param name="Node">Identity sent to the control plane.</param>
/// <param name="Listeners">Active listeners (warming ones are not here).</param>
/// <param name="Clusters">Active clusters, EDS ones with their endpoints filled in.</param>
/// <param name="Admin">Admin endpoint, null for none.</param>
/// <param name="Runtime">Static runtime values.</param>
public sealed record ProxyConfig(
    NodeConfig Node,
    ImmutableArray<ListenerConfig> Listeners,
    ImmutableArray<ClusterConfig> Clusters,
    AdminConfig? Admin,
    RuntimeConfig Runtime)
{
    /// <summary>Route tables that HTTP connection managers reference by name (RDS); inline ones live in their HCM.</summary>
    public ImmutableArray<Http.RouteTableConfig> Routes { get; init; } = [];

    public static ProxyConfig Empty { get; } = new(
        NodeConfig.Anonymous, ImmutableArray<ListenerConfig>.Empty, ImmutableArray<ClusterConfig>.Empty, null, RuntimeConfig.Empty);
}
