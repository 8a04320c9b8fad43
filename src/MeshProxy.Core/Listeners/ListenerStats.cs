using System.Net;
using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// A listener's stats, <c>listener.ADDRESS.*</c> as Envoy spells them (<c>listener.0.0.0.0_15001.downstream_cx_total</c>),
/// with the bound address (the real port when 0 was configured), or the configured one for a listener that is not bound.
/// Connection counts go to the listener that serves the connection: after a <c>use_original_dst</c> hand-off, the
/// target's.
/// </summary>
internal sealed class ListenerStats
{
    public ListenerStats(StatsStore store, IPEndPoint endPoint)
    {
        var prefix = "listener." + StatsStore.AddressForStatName(endPoint) + ".";
        DownstreamCxTotal = store.GetCounter(prefix + "downstream_cx_total");
        DownstreamCxActive = store.GetGauge(prefix + "downstream_cx_active");
        DownstreamCxDestroy = store.GetCounter(prefix + "downstream_cx_destroy");
        DownstreamCxOverflow = store.GetCounter(prefix + "downstream_cx_overflow");
        NoFilterChainMatch = store.GetCounter(prefix + "no_filter_chain_match");
        DownstreamPreCxTimeout = store.GetCounter(prefix + "downstream_pre_cx_timeout");
        DownstreamCxTlsUnsupported = store.GetCounter(prefix + "downstream_cx_tls_unsupported");
    }

    /// <summary>Connections handed to a filter chain (not those closed by listener filters or for no match).</summary>
    public Counter DownstreamCxTotal { get; }

    public Gauge DownstreamCxActive { get; }

    public Counter DownstreamCxDestroy { get; }

    /// <summary>Connections closed at once because the listener's connection limit was reached.</summary>
    public Counter DownstreamCxOverflow { get; }

    public Counter NoFilterChainMatch { get; }

    /// <summary>Listener filters did not decide within <c>listener_filters_timeout</c>.</summary>
    public Counter DownstreamPreCxTimeout { get; }

    /// <summary>Matched a chain that asks for TLS termination, which MeshProxy cannot do yet: closed. Not an Envoy stat.</summary>
    public Counter DownstreamCxTlsUnsupported { get; }
}
