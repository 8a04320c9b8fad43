using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Upstream;

/// <summary>Envoy's <c>cluster_manager.*</c> stats.</summary>
internal sealed class ClusterManagerStats
{
    public ClusterManagerStats(StatsStore store)
    {
        ClusterAdded = store.GetCounter("cluster_manager.cluster_added");
        ClusterModified = store.GetCounter("cluster_manager.cluster_modified");
        ClusterRemoved = store.GetCounter("cluster_manager.cluster_removed");
        ActiveClusters = store.GetGauge("cluster_manager.active_clusters");
    }

    /// <summary>Clusters that were not there before (the first config's clusters included, as in Envoy).</summary>
    public Counter ClusterAdded { get; }

    /// <summary>Clusters rebuilt because their config object changed.</summary>
    public Counter ClusterModified { get; }

    public Counter ClusterRemoved { get; }

    public Gauge ActiveClusters { get; }
}
