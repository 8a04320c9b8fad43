using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// The <c>max_connections</c> circuit breaker of the DEFAULT priority (Envoy's connections resource): upstream
/// connections open or opening through the cluster, against the configured limit.
/// </summary>
/// <remarks>
/// One breaker lives per cluster name, not per runtime <see cref="Cluster"/> object: a changed config (in MeshProxy every
/// EDS push is one) builds a new Cluster that takes over its predecessor's breaker with the new limit, so connections
/// opened through the old Cluster still count and release here. Envoy keeps the cluster object (and its resource
/// manager) across EDS updates, so this matches Envoy for endpoint changes; for a CDS change Envoy would start a new
/// count, which would let a sidecar briefly hold twice the limit. A cluster removed and added again starts at zero.
/// </remarks>
internal sealed class ConnectionCircuitBreaker
{
    private readonly Gauge _open;
    private long _active;
    private long _max;

    public ConnectionCircuitBreaker(uint maxConnections, Gauge open)
    {
        _max = maxConnections;
        _open = open;
    }

    /// <summary>Connections counted now.</summary>
    public long Active => Volatile.Read(ref _active);

    /// <summary>The limit; a replacement cluster sets its own when it becomes active.</summary>
    public long Max
    {
        get => Volatile.Read(ref _max);
        set
        {
            Volatile.Write(ref _max, value);
            PublishOpen();
        }
    }

    /// <summary>Takes one connection slot; false (and nothing taken) when the cluster is at its limit.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var active = Volatile.Read(ref _active);
            if (active >= Volatile.Read(ref _max))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _active, active + 1, active) == active)
            {
                if (active + 1 >= Volatile.Read(ref _max))
                {
                    _open.Set(1);
                }

                return true;
            }
        }
    }

    /// <summary>Gives back a slot taken by <see cref="TryAcquire"/>.</summary>
    public void Release()
    {
        Interlocked.Decrement(ref _active);
        PublishOpen();
    }

    private void PublishOpen() => _open.Set(Volatile.Read(ref _active) >= Volatile.Read(ref _max) ? 1 : 0);
}
