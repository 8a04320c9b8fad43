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
    private readonly Dictionary<(string Prefix, string Name), UpdateStats> _byName = [];

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
        foreach (var set in For(typeUrl, names))
        {
            set.Attempt.Increment();
        }
    }

    public void Success(string typeUrl, IEnumerable<string> names, string version, DateTimeOffset now)
    {
        var hash = VersionHash(version);
        var time = now.ToUnixTimeMilliseconds();
        foreach (var set in For(typeUrl, names))
        {
            set.Success.Increment();
            set.UpdateTime.Set(time);
            set.Version.Set(hash);
        }
    }

    public void Rejected(string typeUrl, IEnumerable<string> names)
    {
        foreach (var set in For(typeUrl, names))
        {
            set.Rejected.Increment();
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

    // EDS and RDS count per resource: a SotW EDS push names every subscribed assignment, so the counters are looked
    // up once per name and kept, instead of building four stat names per resource per push.
    private IEnumerable<UpdateStats> For(string typeUrl, IEnumerable<string> names) => typeUrl switch
    {
        XdsTypeUrls.Listener => [Get("listener_manager.lds")],
        XdsTypeUrls.Cluster => [Get("cluster_manager.cds")],
        XdsTypeUrls.ClusterLoadAssignment => names.Select(n => Get(n, "cluster.")),
        XdsTypeUrls.RouteConfiguration => names.Select(n => Get(n, "rds.")),
        _ => [],
    };

    private UpdateStats Get(string name, string prefix = "")
    {
        var key = (prefix, name);
        if (!_byName.TryGetValue(key, out var set))
        {
            var full = prefix + name;
            set = new UpdateStats(
                _stats.GetCounter(full + ".update_attempt"),
                _stats.GetCounter(full + ".update_success"),
                _stats.GetCounter(full + ".update_rejected"),
                _stats.GetGauge(full + ".update_time"),
                _stats.GetGauge(full + ".version"));
            _byName[key] = set;
        }

        return set;
    }

    private sealed record UpdateStats(Counter Attempt, Counter Success, Counter Rejected, Gauge UpdateTime, Gauge Version);
}
