namespace MeshProxy.Core.Upstream;

/// <summary>
/// The place of one cluster name in <see cref="ClusterManager"/>'s table. A changed cluster is swapped into its slot,
/// so the table itself is rebuilt only when names come or go: an EDS push for one cluster among thousands costs that
/// one cluster's build.
/// </summary>
internal sealed class ClusterSlot(Cluster cluster)
{
    private volatile Cluster _cluster = cluster;

    public Cluster Cluster
    {
        get => _cluster;
        set => _cluster = value;
    }

    /// <summary>The apply that last saw this name (duplicate detection and removal, apply thread only).</summary>
    public int Generation { get; set; }
}
