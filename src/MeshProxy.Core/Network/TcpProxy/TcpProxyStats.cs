using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Network.TcpProxy;

/// <summary>tcp_proxy's stats (<c>tcp.STAT_PREFIX.*</c>), fetched once per filter config.</summary>
internal sealed class TcpProxyStats
{
    public TcpProxyStats(StatsStore store, string statPrefix)
    {
        var prefix = "tcp." + statPrefix + ".";
        DownstreamCxTotal = store.GetCounter(prefix + "downstream_cx_total");
        DownstreamCxNoRoute = store.GetCounter(prefix + "downstream_cx_no_route");
        DownstreamCxRxBytesTotal = store.GetCounter(prefix + "downstream_cx_rx_bytes_total");
        DownstreamCxTxBytesTotal = store.GetCounter(prefix + "downstream_cx_tx_bytes_total");
        IdleTimeout = store.GetCounter(prefix + "idle_timeout");
        UpstreamFlushTotal = store.GetCounter(prefix + "upstream_flush_total");
    }

    public Counter DownstreamCxTotal { get; }

    /// <summary>The configured cluster does not exist.</summary>
    public Counter DownstreamCxNoRoute { get; }

    /// <summary>Bytes received from downstream (and sent upstream).</summary>
    public Counter DownstreamCxRxBytesTotal { get; }

    /// <summary>Bytes sent to downstream (received from upstream).</summary>
    public Counter DownstreamCxTxBytesTotal { get; }

    public Counter IdleTimeout { get; }

    /// <summary>Downstream finished while bytes for the upstream were still waiting to be sent.</summary>
    public Counter UpstreamFlushTotal { get; }
}
