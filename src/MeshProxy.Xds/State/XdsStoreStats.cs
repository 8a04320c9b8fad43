using System.Text;
using MeshProxy.Core.Stats;
using MeshProxy.Xds.Client;

namespace MeshProxy.Xds.State;

/// <summary>
/// Envoy's xDS stat names: <c>listener_manager.lds.*</c> and <c>cluster_manager.cds.*</c> (update_attempt,
/// update_success, update_rejected, version, update_time); for EDS <c>cluster.NAME.update_*</c> (Envoy's name when
/// the assignment is named after its cluster, as Istio's are); for RDS <c>rds.NAME.update_*</c> (Envoy nests these
/// under the HCM's stat prefix, which a route table alone does not know).
/// </summary>
internal sealed class XdsStoreStats
{
    private readonly StatsStore _stats;

    public XdsStoreStats(StatsStore stats)
    {
        _stats = stats;
        ConnectedState = stats.GetGauge("control_plane.connected_state");
        ListenersWarming = stats.GetGauge("listener_manager.total_listeners_warming");
        ClustersWarming = stats.GetGauge("cluster_manager.warming_clusters");
    }

    public Gauge ConnectedState { get; }

    public Gauge ListenersWarming { get; }

    public Gauge ClustersWarming { get; }

    public void Attempt(string typeUrl, IEnumerable<string> names)
    {
        foreach (var prefix in Prefixes(typeUrl, names))
        {
            _stats.GetCounter(prefix + ".update_attempt").Increment();
        }
    }

    public void Success(string typeUrl, IEnumerable<string> names, string version, DateTimeOffset now)
    {
        foreach (var prefix in Prefixes(typeUrl, names))
        {
            _stats.GetCounter(prefix + ".update_success").Increment();
            _stats.GetGauge(prefix + ".update_time").Set(now.ToUnixTimeMilliseconds());
            _stats.GetGauge(prefix + ".version").Set(VersionHash(version));
        }
    }

    public void Rejected(string typeUrl, IEnumerable<string> names)
    {
        foreach (var prefix in Prefixes(typeUrl, names))
        {
            _stats.GetCounter(prefix + ".update_rejected").Increment();
        }
    }

    /// <summary>Envoy publishes a 64-bit hash of version_info as the <c>version</c> gauge; ours is FNV-1a.</summary>
    internal static long VersionHash(string version)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(version))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }

    private static IEnumerable<string> Prefixes(string typeUrl, IEnumerable<string> names) => typeUrl switch
    {
        XdsTypeUrls.Listener => ["listener_manager.lds"],
        XdsTypeUrls.Cluster => ["cluster_manager.cds"],
        XdsTypeUrls.ClusterLoadAssignment => names.Select(n => "cluster." + n),
        XdsTypeUrls.RouteConfiguration => names.Select(n => "rds." + n),
        _ => [],
    };
}
