using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>The identity sent to a control plane (Envoy's <c>node</c>).</summary>
public sealed record NodeConfig(string Id, string Cluster, ImmutableSortedDictionary<string, string> Metadata)
{
    public static NodeConfig Anonymous { get; } = new("meshproxy", "meshproxy", ImmutableSortedDictionary<string, string>.Empty);
}
