using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>The HTTP connection manager's stats (<c>http.STAT_PREFIX.*</c>, Envoy's names), fetched once per filter config.</summary>
internal sealed class HttpConnectionManagerStats
{
    public HttpConnectionManagerStats(StatsStore store, string statPrefix)
    {
        var prefix = "http." + statPrefix + ".";
        DownstreamCxTotal = store.GetCounter(prefix + "downstream_cx_total");
        DownstreamCxHttp1Total = store.GetCounter(prefix + "downstream_cx_http1_total");
        DownstreamCxActive = store.GetGauge(prefix + "downstream_cx_active");
        DownstreamCxHttp1Active = store.GetGauge(prefix + "downstream_cx_http1_active");
        DownstreamCxProtocolError = store.GetCounter(prefix + "downstream_cx_protocol_error");
        DownstreamCxIdleTimeout = store.GetCounter(prefix + "downstream_cx_idle_timeout");
        DownstreamCxDrainClose = store.GetCounter(prefix + "downstream_cx_drain_close");
        DownstreamCxMaxRequestsReached = store.GetCounter(prefix + "downstream_cx_max_requests_reached");
        DownstreamCxUpgradesTotal = store.GetCounter(prefix + "downstream_cx_upgrades_total");
        DownstreamCxUpgradesActive = store.GetGauge(prefix + "downstream_cx_upgrades_active");
        DownstreamRqTotal = store.GetCounter(prefix + "downstream_rq_total");
        DownstreamRqHttp1Total = store.GetCounter(prefix + "downstream_rq_http1_total");
        DownstreamRqActive = store.GetGauge(prefix + "downstream_rq_active");
        DownstreamRqCompleted = store.GetCounter(prefix + "downstream_rq_completed");
        DownstreamRq1xx = store.GetCounter(prefix + "downstream_rq_1xx");
        DownstreamRq2xx = store.GetCounter(prefix + "downstream_rq_2xx");
        DownstreamRq3xx = store.GetCounter(prefix + "downstream_rq_3xx");
        DownstreamRq4xx = store.GetCounter(prefix + "downstream_rq_4xx");
        DownstreamRq5xx = store.GetCounter(prefix + "downstream_rq_5xx");
        DownstreamRqTimeout = store.GetCounter(prefix + "downstream_rq_timeout");
        DownstreamRqIdleTimeout = store.GetCounter(prefix + "downstream_rq_idle_timeout");
        DownstreamRqRxReset = store.GetCounter(prefix + "downstream_rq_rx_reset");
        DownstreamRqTxReset = store.GetCounter(prefix + "downstream_rq_tx_reset");
        DownstreamCxRxBytesTotal = store.GetCounter(prefix + "downstream_cx_rx_bytes_total");
        DownstreamCxTxBytesTotal = store.GetCounter(prefix + "downstream_cx_tx_bytes_total");
        NoRoute = store.GetCounter(prefix + "no_route");
        NoCluster = store.GetCounter(prefix + "no_cluster");
        RqRedirect = store.GetCounter(prefix + "rq_redirect");
        RqDirectResponse = store.GetCounter(prefix + "rq_direct_response");
        RqTotal = store.GetCounter(prefix + "rq_total");
        RqTimeout = store.GetCounter(prefix + "rq_timeout");
    }

    public Counter DownstreamCxTotal { get; }

    public Counter DownstreamCxHttp1Total { get; }

    public Gauge DownstreamCxActive { get; }

    public Gauge DownstreamCxHttp1Active { get; }

    /// <summary>A request head or body the codec rejected (answered 400/431/501/505 and closed).</summary>
    public Counter DownstreamCxProtocolError { get; }

    public Counter DownstreamCxIdleTimeout { get; }

    /// <summary>Connections closed because the listener drains (<c>Connection: close</c> on the next response).</summary>
    public Counter DownstreamCxDrainClose { get; }

    public Counter DownstreamCxMaxRequestsReached { get; }

    public Counter DownstreamCxUpgradesTotal { get; }

    public Gauge DownstreamCxUpgradesActive { get; }

    public Counter DownstreamRqTotal { get; }

    public Counter DownstreamRqHttp1Total { get; }

    public Gauge DownstreamRqActive { get; }

    public Counter DownstreamRqCompleted { get; }

    public Counter DownstreamRq1xx { get; }

    public Counter DownstreamRq2xx { get; }

    public Counter DownstreamRq3xx { get; }

    public Counter DownstreamRq4xx { get; }

    public Counter DownstreamRq5xx { get; }

    /// <summary><c>request_timeout</c> fired before the whole request arrived.</summary>
    public Counter DownstreamRqTimeout { get; }

    /// <summary><c>stream_idle_timeout</c> fired.</summary>
    public Counter DownstreamRqIdleTimeout { get; }

    /// <summary>The client went away (reset or FIN) in the middle of a request.</summary>
    public Counter DownstreamRqRxReset { get; }

    /// <summary>The proxy reset a stream whose response had started (upstream reset or timeout mid-response).</summary>
    public Counter DownstreamRqTxReset { get; }

    public Counter DownstreamCxRxBytesTotal { get; }

    public Counter DownstreamCxTxBytesTotal { get; }

    /// <summary>Router: no route matched (404, NR).</summary>
    public Counter NoRoute { get; }

    /// <summary>Router: the route's cluster does not exist (503, NC).</summary>
    public Counter NoCluster { get; }

    public Counter RqRedirect { get; }

    public Counter RqDirectResponse { get; }

    /// <summary>Router: requests routed upstream.</summary>
    public Counter RqTotal { get; }

    /// <summary>Router: the route timeout fired (504, UT).</summary>
    public Counter RqTimeout { get; }

    public void CountStatus(int status) => (status switch
    {
        < 200 => DownstreamRq1xx,
        < 300 => DownstreamRq2xx,
        < 400 => DownstreamRq3xx,
        < 500 => DownstreamRq4xx,
        _ => DownstreamRq5xx,
    }).Increment();
}
