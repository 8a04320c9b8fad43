namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>A host and its share of one priority level (host weight times locality share; all shares sum to 1).</summary>
internal readonly record struct WeightedHost(UpstreamHost Host, double Weight);
