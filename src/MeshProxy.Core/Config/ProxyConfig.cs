using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>
/// One complete, validated configuration snapshot. Built from a bootstrap file or from xDS,
/// never from Envoy proto types directly on the data plane; swapped as a whole.
/// </summary>
public sealed record ProxyConfig(
    NodeConfig Node,
    ImmutableArray<ListenerConfig> Listeners,
    ImmutableArray<ClusterConfig> Clusters,
    AdminConfig? Admin,
    RuntimeConfig Runtime)
{
    public static ProxyConfig Empty { get; } = new(
        NodeConfig.Anonymous, ImmutableArray<ListenerConfig>.Empty, ImmutableArray<ClusterConfig>.Empty, null, RuntimeConfig.Empty);
}
