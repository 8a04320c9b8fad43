using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// A cluster's stats (<c>cluster.NAME.*</c>), fetched once when the cluster is first built; a rebuilt cluster of the same
/// name reuses the same object (the store would return the same counters anyway).
/// </summary>
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
        UpstreamCxOverflow = store.GetCounter(prefix + "upstream_cx_overflow");
        UpstreamCxTlsUnsupported = store.GetCounter(prefix + "upstream_cx_tls_unsupported");
        UpstreamCxRxBytesTotal = store.GetCounter(prefix + "upstream_cx_rx_bytes_total");
        UpstreamCxTxBytesTotal = store.GetCounter(prefix + "upstream_cx_tx_bytes_total");
        UpstreamCxDestroy = store.GetCounter(prefix + "upstream_cx_destroy");
        UpstreamCxDestroyRemote = store.GetCounter(prefix + "upstream_cx_destroy_remote");
        UpstreamCxDestroyLocal = store.GetCounter(prefix + "upstream_cx_destroy_local");
        MembershipTotal = store.GetGauge(prefix + "membership_total");
        MembershipHealthy = store.GetGauge(prefix + "membership_healthy");
        UpdateAttempt = store.GetCounter(prefix + "update_attempt");
        UpdateSuccess = store.GetCounter(prefix + "update_success");
        UpdateFailure = store.GetCounter(prefix + "update_failure");
        UpdateNoRebuild = store.GetCounter(prefix + "update_no_rebuild");
        CircuitBreakerDefaultCxOpen = store.GetGauge(prefix + "circuit_breakers.default.cx_open");
    }

    public Counter UpstreamCxTotal { get; }

    public Gauge UpstreamCxActive { get; }

    /// <summary>Every failed attempt, timeouts and TLS-unsupported refusals included (as Envoy counts).</summary>
    public Counter UpstreamCxConnectFail { get; }

    public Counter UpstreamCxConnectTimeout { get; }

    public Counter UpstreamCxNoneHealthy { get; }

    /// <summary>A connection refused by the <c>max_connections</c> circuit breaker.</summary>
    public Counter UpstreamCxOverflow { get; }

    /// <summary>MeshProxy's own: a connection refused because the cluster requires TLS, which cannot be originated yet.</summary>
    public Counter UpstreamCxTlsUnsupported { get; }

    public Counter UpstreamCxRxBytesTotal { get; }

    public Counter UpstreamCxTxBytesTotal { get; }

    public Counter UpstreamCxDestroy { get; }

    public Counter UpstreamCxDestroyRemote { get; }

    public Counter UpstreamCxDestroyLocal { get; }

    /// <summary>Hosts in the cluster, whatever their health; 0 once the cluster is removed.</summary>
    public Gauge MembershipTotal { get; }

    /// <summary>Hosts reported healthy (or of unknown health); 0 once the cluster is removed.</summary>
    public Gauge MembershipHealthy { get; }

    /// <summary>DNS resolutions started (one per target per refresh).</summary>
    public Counter UpdateAttempt { get; }

    public Counter UpdateSuccess { get; }

    /// <summary>DNS resolutions that failed; the target keeps its previous hosts.</summary>
    public Counter UpdateFailure { get; }

    /// <summary>DNS refreshes that found the same addresses and kept the host set (and its balancer state).</summary>
    public Counter UpdateNoRebuild { get; }

    /// <summary>1 while the cluster is at its DEFAULT-priority <c>max_connections</c>.</summary>
    public Gauge CircuitBreakerDefaultCxOpen { get; }
}
