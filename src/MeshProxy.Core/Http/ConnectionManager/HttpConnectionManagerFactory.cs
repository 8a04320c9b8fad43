using System.Runtime.CompilerServices;
using System.Text;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http.Routing;
using MeshProxy.Core.Network;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Upstream;
using MeshProxy.Protocols.Http1;
using Serilog;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// <c>envoy.filters.network.http_connection_manager</c> for HTTP/1.1: built once per filter config (stats, limits,
/// pre-encoded header values, the inline route table compiled); one <see cref="Http1ServerSession"/> per connection.
/// </summary>
internal sealed class HttpConnectionManagerFactory : INetworkFilterFactory
{
    public delegate bool RouteTableLookup(string name, out RouteTableConfig? table);

    private static readonly ConditionalWeakTable<RouteTableConfig, RouteTable> CompiledTables = new();
    private readonly RouteTableLookup _rds;
    private readonly RouteTable? _inline;

    public HttpConnectionManagerFactory(
        HttpConnectionManagerConfig config,
        ClusterManager clusters,
        Http1PoolRegistry pools,
        StatsStore stats,
        Heartbeat heartbeat,
        RouteTableLookup rds,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Clusters = clusters;
        Pools = pools;
        Heartbeat = heartbeat;
        Logger = logger.ForContext<Http1ServerSession>();
        Stats = new HttpConnectionManagerStats(stats, config.StatPrefix);
        _rds = rds;
        _inline = config.RouteConfig is { } inline ? Compile(inline) : null;
        Limits = new Http1Limits
        {
            MaxHeadBytes = checked((int)Math.Min(config.MaxRequestHeadersKb * 1024L, int.MaxValue)),
            MaxHeaderCount = (int)Math.Min(config.MaxHeadersCount, int.MaxValue),
        };
        ServerName = Encoding.Latin1.GetBytes(config.ServerName);
        IdleTimeoutTicks = Ticks(heartbeat, config.IdleTimeout);
        StreamIdleTimeoutTicks = Ticks(heartbeat, config.StreamIdleTimeout);
        RequestTimeoutTicks = Ticks(heartbeat, config.RequestTimeout);
        foreach (var filter in config.HttpFilters)
        {
            if (filter is RouterFilterConfig router)
            {
                SuppressEnvoyHeaders = router.SuppressEnvoyHeaders;
            }
        }
    }

    public string Name => Config.Name;

    public HttpConnectionManagerConfig Config { get; }

    public ClusterManager Clusters { get; }

    public Http1PoolRegistry Pools { get; }

    public Heartbeat Heartbeat { get; }

    public ILogger Logger { get; }

    public HttpConnectionManagerStats Stats { get; }

    public Http1Limits Limits { get; }

    public byte[] ServerName { get; }

    public bool SuppressEnvoyHeaders { get; }

    /// <summary>Connection idle timeout in heartbeat ticks; 0 when disabled.</summary>
    public long IdleTimeoutTicks { get; }

    public long StreamIdleTimeoutTicks { get; }

    public long RequestTimeoutTicks { get; }

    public IRandomSource Random { get; } = RandomSource.Shared;

    public INetworkFilter CreateFilter(ConnectionContext context) => new Http1ServerSession(this);

    /// <summary>
    /// The route table for the next request: the inline one, or the RDS table of that name in the live config (looked
    /// up per request so an RDS update applies at once; compiled once per config object). Null when RDS has none yet.
    /// </summary>
    public RouteTable? CurrentRouteTable()
    {
        if (_inline is not null)
        {
            return _inline;
        }

        return Config.RdsRouteConfigName is { } name && _rds(name, out var table) && table is not null ? Compile(table) : null;
    }

    public long Ticks(TimeSpan? timeout) => Ticks(Heartbeat, timeout);

    private static long Ticks(Heartbeat heartbeat, TimeSpan? timeout) =>
        timeout is { } value && value > TimeSpan.Zero ? Math.Max(1, heartbeat.ToTimestampTicks(value)) : 0;

    private static RouteTable Compile(RouteTableConfig table) =>
        CompiledTables.TryGetValue(table, out var compiled) ? compiled : CompiledTables.GetValue(table, static t => RouteTable.Build(t));
}
