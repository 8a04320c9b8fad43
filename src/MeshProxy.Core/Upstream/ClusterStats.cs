using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Upstream;

/// <summary>A cluster's stats (<c>cluster.NAME.*</c>), fetched once when the cluster is built.</summary>
internal sealed class ClusterStats
{
    public ClusterStats(StatsStore store, string clusterName)
    {
        var prefix = "cluster." + clusterName + ".";
        UpstreamCxTotal = store.GetCounter(prefix + "upstream_cx_total");
        UpstreamCxActive = store.GetGauge(prefix + "upstream_cx_active");
        UpstreamCxConnectFail = store.GetCounter(prefix + "upstream_cx_connect_fail");
        UpstreamCxConnectTimeout = store.GetCounter(prefix + "upstream_cx_connect_timeout");
        UpstreamCxNoneHealthy = store.GetCounter(prefix + "upstream_cx_none_healthy");
        UpstreamCxRxBytesTotal = store.GetCounter(prefix + "upstream_cx_rx_bytes_total");
        UpstreamCxTxBytesTotal = store.GetCounter(prefix + "upstream_cx_tx_bytes_total");
        UpstreamCxDestroy = store.GetCounter(prefix + "upstream_cx_destroy");
        UpstreamCxDestroyRemote = store.GetCounter(prefix + "upstream_cx_destroy_remote");
        UpstreamCxDestroyLocal = store.GetCounter(prefix + "upstream_cx_destroy_local");
    }

    public Counter UpstreamCxTotal { get; }

    public Gauge UpstreamCxActive { get; }

    /// <summary>Every failed attempt, timeouts included (as Envoy counts).</summary>
    public Counter UpstreamCxConnectFail { get; }

    public Counter UpstreamCxConnectTimeout { get; }

    public Counter UpstreamCxNoneHealthy { get; }

    public Counter UpstreamCxRxBytesTotal { get; }

    public Counter UpstreamCxTxBytesTotal { get; }

    public Counter UpstreamCxDestroy { get; }

    public Counter UpstreamCxDestroyRemote { get; }

    public Counter UpstreamCxDestroyLocal { get; }
}
