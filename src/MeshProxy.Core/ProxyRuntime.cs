using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Listeners;
using MeshProxy.Core.Network;
using MeshProxy.Core.Network.TcpProxy;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;

namespace MeshProxy.Core;

/// <summary>
/// The data plane: listeners, their filter chains, and the clusters they reach, driven by <see cref="ProxyConfig"/>
/// snapshots. The executable creates one, applies the bootstrap (and later every xDS update), and disposes it on exit.
/// </summary>
public sealed class ProxyRuntime : IAsyncDisposable
{
    private readonly ITransport _transport;
    private readonly Serilog.ILogger _logger;
    private readonly Heartbeat _heartbeat;
    private readonly ClusterManager _clusters;
    private readonly ListenerManager _listeners;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private volatile ProxyConfig _config = ProxyConfig.Empty;
    private volatile FrozenDictionary<string, RouteTableConfig> _routeTables = FrozenDictionary<string, RouteTableConfig>.Empty;
    private int _disposed;

    public ProxyRuntime(ITransport transport, Serilog.ILogger logger, TimeProvider? timeProvider = null)
        : this(transport, logger, timeProvider, Heartbeat.DefaultInterval)
    {
    }

    internal ProxyRuntime(
        ITransport transport, Serilog.ILogger logger, TimeProvider? timeProvider, TimeSpan heartbeatInterval, IDnsResolver? dnsResolver = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(logger);
        _transport = transport;
        _logger = logger.ForContext<ProxyRuntime>();
        _heartbeat = new Heartbeat(timeProvider ?? TimeProvider.System, heartbeatInterval, _logger);
        _clusters = new ClusterManager(Stats, _logger, dnsResolver, _heartbeat.TimeProvider);
        _listeners = new ListenerManager(transport, Stats, _logger);
    }

    public StatsStore Stats { get; } = new();

    /// <summary>The last snapshot applied.</summary>
    public ProxyConfig Config => _config;

    /// <summary>Listeners accepting now, with their bound addresses.</summary>
    public IReadOnlyList<ActiveListenerInfo> Listeners => _listeners.Listeners;

    internal Heartbeat Heartbeat => _heartbeat;

    internal ClusterManager Clusters => _clusters;

    /// <summary>Downstream connections open now (test and admin visibility).</summary>
    internal int ConnectionCount => _listeners.ConnectionCount;

    /// <summary>
    /// Makes <paramref name="config"/> the live configuration: swaps the clusters, then adds, removes or rebinds
    /// listeners. Connections in flight keep the listener config they were accepted with. An unsupported filter or
    /// a bind failure throws (the message names the listener and address); listeners handled before it stay applied.
    /// </summary>
    public async Task ApplyAsync(ProxyConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Build everything first so a bad listener fails before anything changes.
            var snapshots = new List<ListenerSnapshot>(config.Listeners.Length);
            foreach (var listener in config.Listeners)
            {
                snapshots.Add(BuildSnapshot(listener, config.Runtime));
            }

            var routeTables = BuildRouteTables(config.Routes);
            await _clusters.ApplyAsync(config.Clusters, cancellationToken).ConfigureAwait(false);
            _routeTables = routeTables;
            await _listeners.ApplyAsync(snapshots).ConfigureAwait(false);
            _config = config;
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>Stops accepting, resets the connections still open, and waits (briefly) for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _listeners.DisposeAsync().ConfigureAwait(false);
            _clusters.Dispose();
            _heartbeat.Dispose();
        }
        finally
        {
            _applyLock.Release();
            _applyLock.Dispose();
        }
    }

    /// <summary>The route table named <paramref name="name"/> (RDS) in the live config, for HTTP connection managers.</summary>
    internal bool TryGetRouteTable(string name, [NotNullWhen(true)] out RouteTableConfig? routeTable) =>
        _routeTables.TryGetValue(name, out routeTable);

    /// <summary>
    /// The name -> route table map for <paramref name="routes"/>, swapped in whole by the apply. Entries are the config
    /// objects themselves, so unchanged tables (the xDS store keeps their objects) are reused as they are; only the
    /// map is new. Duplicate names throw before anything changes.
    /// </summary>
    private static FrozenDictionary<string, RouteTableConfig> BuildRouteTables(ImmutableArray<RouteTableConfig> routes)
    {
        if (routes.IsDefaultOrEmpty)
        {
            return FrozenDictionary<string, RouteTableConfig>.Empty;
        }

        var map = new Dictionary<string, RouteTableConfig>(routes.Length, StringComparer.Ordinal);
        foreach (var route in routes)
        {
            if (!map.TryAdd(route.Name, route))
            {
                throw new ArgumentException($"duplicate route configuration name '{route.Name}'", nameof(routes));
            }
        }

        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private ListenerSnapshot BuildSnapshot(ListenerConfig listener, RuntimeConfig runtime)
    {
        var chains = new List<FilterChainRuntime>(listener.FilterChains.Length);
        for (var i = 0; i < listener.FilterChains.Length; i++)
        {
            var chain = listener.FilterChains[i];
            if (chain.Filters.IsDefaultOrEmpty)
            {
                throw new NotSupportedException($"listener '{listener.Name}': filter_chains[{i}] has no network filter");
            }

            if (chain.Filters.Length > 1)
            {
                throw new NotSupportedException(
                    $"listener '{listener.Name}': filter_chains[{i}]: only a single terminal network filter is supported yet, got {chain.Filters.Length}");
            }

            chains.Add(new FilterChainRuntime(chain, CreateTerminalFactory(chain.Filters[^1], listener.Name, i)));
        }

        var maxConnections = listener.MaxConnections ?? runtime.GetInt64(RuntimeConfig.ListenerConnectionLimitKey(listener.Name));
        return new ListenerSnapshot(listener, chains, maxConnections);
    }

#pragma warning disable CA1859 // The connection managers (HTTP, RPC) join this switch; the interface is the point.
    private INetworkFilterFactory CreateTerminalFactory(NetworkFilterConfig filter, string listenerName, int chainIndex) => filter switch
    {
        TcpProxyConfig tcpProxy => new TcpProxyFilterFactory(tcpProxy, _transport, _clusters, Stats, _heartbeat, _logger),
        _ => throw new NotSupportedException(
            $"listener '{listenerName}': filter_chains[{chainIndex}]: network filter '{filter.Name}' is not supported"),
    };
#pragma warning restore CA1859
}
