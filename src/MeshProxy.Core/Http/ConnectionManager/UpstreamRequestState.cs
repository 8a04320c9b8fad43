using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// The request-level circuit breakers of one cluster name (DEFAULT priority <c>max_requests</c>,
/// <c>max_pending_requests</c>, <c>max_retries</c>) and the cluster's <c>upstream_rq_*</c> stats. One per cluster
/// name, shared by every loop and connection manager (like <see cref="Upstream.ConnectionCircuitBreaker"/>), so the
/// counts survive a cluster rebuild; the limits are read from the cluster config of each request.
/// </summary>
internal sealed class UpstreamRequestState
{
    private long _activeRequests;
    private long _pendingRequests;
    private long _activeRetries;

    public UpstreamRequestState(StatsStore store, string clusterName)
    {
        var prefix = "cluster." + clusterName + ".";
        UpstreamRqTotal = store.GetCounter(prefix + "upstream_rq_total");
        UpstreamRqActive = store.GetGauge(prefix + "upstream_rq_active");
        UpstreamRqPendingTotal = store.GetCounter(prefix + "upstream_rq_pending_total");
        UpstreamRqPendingActive = store.GetGauge(prefix + "upstream_rq_pending_active");
        UpstreamRqPendingOverflow = store.GetCounter(prefix + "upstream_rq_pending_overflow");
        UpstreamRqOverflow = store.GetCounter(prefix + "upstream_rq_overflow");
        UpstreamRqRetry = store.GetCounter(prefix + "upstream_rq_retry");
        UpstreamRqRetrySuccess = store.GetCounter(prefix + "upstream_rq_retry_success");
        UpstreamRqRetryOverflow = store.GetCounter(prefix + "upstream_rq_retry_overflow");
        UpstreamRqRetryLimitExceeded = store.GetCounter(prefix + "upstream_rq_retry_limit_exceeded");
        UpstreamRqTimeout = store.GetCounter(prefix + "upstream_rq_timeout");
        UpstreamRqPerTryTimeout = store.GetCounter(prefix + "upstream_rq_per_try_timeout");
        UpstreamCxProtocolError = store.GetCounter(prefix + "upstream_cx_protocol_error");
        UpstreamRq2xx = store.GetCounter(prefix + "upstream_rq_2xx");
        UpstreamRq3xx = store.GetCounter(prefix + "upstream_rq_3xx");
        UpstreamRq4xx = store.GetCounter(prefix + "upstream_rq_4xx");
        UpstreamRq5xx = store.GetCounter(prefix + "upstream_rq_5xx");
        RqOpen = store.GetGauge(prefix + "circuit_breakers.default.rq_open");
        RqPendingOpen = store.GetGauge(prefix + "circuit_breakers.default.rq_pending_open");
        RqRetryOpen = store.GetGauge(prefix + "circuit_breakers.default.rq_retry_open");
    }

    public Counter UpstreamRqTotal { get; }

    public Gauge UpstreamRqActive { get; }

    public Counter UpstreamRqPendingTotal { get; }

    public Gauge UpstreamRqPendingActive { get; }

    public Counter UpstreamRqPendingOverflow { get; }

    /// <summary>Refused by <c>max_requests</c>.</summary>
    public Counter UpstreamRqOverflow { get; }

    public Counter UpstreamRqRetry { get; }

    public Counter UpstreamRqRetrySuccess { get; }

    public Counter UpstreamRqRetryOverflow { get; }

    public Counter UpstreamRqRetryLimitExceeded { get; }

    public Counter UpstreamRqTimeout { get; }

    public Counter UpstreamRqPerTryTimeout { get; }

    public Counter UpstreamCxProtocolError { get; }

    public Counter UpstreamRq2xx { get; }

    public Counter UpstreamRq3xx { get; }

    public Counter UpstreamRq4xx { get; }

    public Counter UpstreamRq5xx { get; }

    public Gauge RqOpen { get; }

    public Gauge RqPendingOpen { get; }

    public Gauge RqRetryOpen { get; }

    public bool TryAcquireRequest(CircuitBreakerThresholds limits) =>
        TryAcquire(ref _activeRequests, limits.MaxRequests, RqOpen, UpstreamRqActive);

    public void ReleaseRequest(CircuitBreakerThresholds limits) => Release(ref _activeRequests, limits.MaxRequests, RqOpen, UpstreamRqActive);

    public bool TryAcquirePending(CircuitBreakerThresholds limits) =>
        TryAcquire(ref _pendingRequests, limits.MaxPendingRequests, RqPendingOpen, UpstreamRqPendingActive);

    public void ReleasePending(CircuitBreakerThresholds limits) =>
        Release(ref _pendingRequests, limits.MaxPendingRequests, RqPendingOpen, UpstreamRqPendingActive);

    public bool TryAcquireRetry(CircuitBreakerThresholds limits) => TryAcquire(ref _activeRetries, limits.MaxRetries, RqRetryOpen, null);

    public void ReleaseRetry(CircuitBreakerThresholds limits) => Release(ref _activeRetries, limits.MaxRetries, RqRetryOpen, null);

    public void CountStatus(int status) => (status switch
    {
        < 300 => UpstreamRq2xx,
        < 400 => UpstreamRq3xx,
        < 500 => UpstreamRq4xx,
        _ => UpstreamRq5xx,
    }).Increment();

    private static bool TryAcquire(ref long counter, uint max, Gauge open, Gauge? active)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current >= max)
            {
                open.Set(1);
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current + 1, current) == current)
            {
                active?.Increment();
                if (current + 1 >= max)
                {
                    open.Set(1);
                }

                return true;
            }
        }
    }

    private static void Release(ref long counter, uint max, Gauge open, Gauge? active)
    {
        var now = Interlocked.Decrement(ref counter);
        active?.Decrement();
        if (now < max)
        {
            open.Set(0);
        }
    }
}
