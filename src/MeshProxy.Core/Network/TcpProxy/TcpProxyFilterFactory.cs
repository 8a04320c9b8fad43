using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using Serilog;

namespace MeshProxy.Core.Network.TcpProxy;

/// <summary><c>envoy.filters.network.tcp_proxy</c>: one factory per filter config, one session per connection.</summary>
internal sealed class TcpProxyFilterFactory : INetworkFilterFactory
{
    public TcpProxyFilterFactory(
        TcpProxyConfig config, ITransport transport, ClusterManager clusters, StatsStore stats, Heartbeat heartbeat, ILogger logger)
    {
        Config = config;
        Transport = transport;
        Clusters = clusters;
        Stats = new TcpProxyStats(stats, config.StatPrefix);
        Heartbeat = heartbeat;
        Logger = logger.ForContext<TcpProxySession>();
        IdleTimeoutTicks = config.IdleTimeout is { } idle && idle > TimeSpan.Zero ? heartbeat.ToTimestampTicks(idle) : 0;
    }

    public string Name => Config.Name;

    public TcpProxyConfig Config { get; }

    public ITransport Transport { get; }

    public ClusterManager Clusters { get; }

    public TcpProxyStats Stats { get; }

    public Heartbeat Heartbeat { get; }

    public ILogger Logger { get; }

    /// <summary>Idle timeout in timestamp ticks; 0 when disabled.</summary>
    public long IdleTimeoutTicks { get; }

    public INetworkFilter CreateFilter(ConnectionContext context) => new TcpProxySession(this);
}
