using System.Net;
using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// A listener's stats, <c>listener.ADDRESS.*</c> as Envoy spells them (<c>listener.0.0.0.0_15001.downstream_cx_total</c>),
/// with the bound address (the real port when 0 was configured).
/// </summary>
internal sealed class ListenerStats
{
    public ListenerStats(StatsStore store, IPEndPoint boundEndPoint)
    {
        var prefix = "listener." + StatsStore.AddressForStatName(boundEndPoint) + ".";
        DownstreamCxTotal = store.GetCounter(prefix + "downstream_cx_total");
        DownstreamCxActive = store.GetGauge(prefix + "downstream_cx_active");
        DownstreamCxDestroy = store.GetCounter(prefix + "downstream_cx_destroy");
        DownstreamCxOverflow = store.GetCounter(prefix + "downstream_cx_overflow");
        NoFilterChainMatch = store.GetCounter(prefix + "no_filter_chain_match");
    }

    public Counter DownstreamCxTotal { get; }

    public Gauge DownstreamCxActive { get; }

    public Counter DownstreamCxDestroy { get; }

    /// <summary>Connections closed at once because the listener's connection limit was reached.</summary>
    public Counter DownstreamCxOverflow { get; }

    public Counter NoFilterChainMatch { get; }
}
