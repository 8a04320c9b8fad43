using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http.ConnectionManager;
using MeshProxy.Core.Listeners;
using MeshProxy.Core.Listeners.Filters;
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
    private readonly Http1PoolRegistry _httpPools;
    private readonly ProxyRuntimeOptions _options;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private volatile ProxyConfig _config = ProxyConfig.Empty;
    private volatile FrozenDictionary<string, RouteTableConfig> _routeTables = FrozenDictionary<string, RouteTableConfig>.Empty;
    private int _disposed;

    public ProxyRuntime(ITransport transport, Serilog.ILogger logger, TimeProvider? timeProvider = null, ProxyRuntimeOptions? options = null)
        : this(transport, logger, timeProvider, Heartbeat.DefaultInterval, options)
    {
    }

    internal ProxyRuntime(
        ITransport transport,
        Serilog.ILogger logger,
        TimeProvider? timeProvider,
        TimeSpan heartbeatInterval,
        ProxyRuntimeOptions? options = null,
        IDnsResolver? dnsResolver = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(logger);
        _transport = transport;
        _options = options ?? ProxyRuntimeOptions.Default;
        _logger = logger.ForContext<ProxyRuntime>();
        _heartbeat = new Heartbeat(timeProvider ?? TimeProvider.System, heartbeatInterval, _logger);
        _clusters = new ClusterManager(Stats, _logger, dnsResolver, _heartbeat.TimeProvider);
        _listeners = new ListenerManager(transport, Stats, _heartbeat, _options.DrainTime, _logger);
        _httpPools = new Http1PoolRegistry(transport, _heartbeat, Stats, _logger);
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
    /// Makes <paramref name="config"/> the live configuration: swaps the clusters, then adds, changes or removes
    /// listeners (see <see cref="ListenerManager"/>: unchanged config objects are left alone, changed and removed
    /// listeners drain their connections for <see cref="ProxyRuntimeOptions.DrainTime"/>). A listener that cannot be
    /// applied (bind failure, unsupported filter) does not stop the others: it is named in the result, keeps its
    /// previous version, and <see cref="Config"/> shows what actually runs.
    /// </summary>
    public async Task<ListenerApplyResult> ApplyAsync(ProxyConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Route tables are published before the listeners that name them; clusters before both.
            var routeTables = BuildRouteTables(config.Routes);
            await _clusters.ApplyAsync(config.Clusters, cancellationToken).ConfigureAwait(false);
            _routeTables = routeTables;
            var runtime = config.Runtime;
            var result = await _listeners.ApplyAsync(config.Listeners, listener => BuildSnapshot(listener, runtime)).ConfigureAwait(false);
            _config = result.Succeeded ? config : config with { Listeners = _listeners.Configs };
            return result;
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
            _httpPools.Dispose();
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
        var warning = new ListenerWarning();
        var chains = new List<FilterChainRuntime>(listener.FilterChains.Length);
        for (var i = 0; i < listener.FilterChains.Length; i++)
        {
            chains.Add(BuildChain(listener, listener.FilterChains[i], $"filter_chains[{i}]", warning));
        }

        var defaultChain = listener.DefaultFilterChain is { } fallback ? BuildChain(listener, fallback, "default_filter_chain", warning) : null;
        var listenerFilters = new List<ListenerFilter>(listener.ListenerFilters.Length);
        foreach (var filter in listener.ListenerFilters)
        {
            listenerFilters.Add(filter.Kind switch
            {
                ListenerFilterKind.OriginalDst => new OriginalDstListenerFilter(filter, _options.OriginalDestinationSource),
                ListenerFilterKind.TlsInspector => new TlsInspectorListenerFilter(filter, Stats),
                ListenerFilterKind.HttpInspector => new HttpInspectorListenerFilter(filter, Stats),
                _ => throw new NotSupportedException($"listener '{listener.Name}': listener filter '{filter.Name}' is not supported"),
            });
        }

        var maxConnections = listener.MaxConnections ?? runtime.GetInt64(RuntimeConfig.ListenerConnectionLimitKey(listener.Name));
        return new ListenerSnapshot(listener, chains, defaultChain, listenerFilters, maxConnections);
    }

    private FilterChainRuntime BuildChain(ListenerConfig listener, FilterChainConfig chain, string path, ListenerWarning warning)
    {
        if (chain.Filters.IsDefaultOrEmpty)
        {
            throw new NotSupportedException($"listener '{listener.Name}': {path} has no network filter");
        }

        // The converter drops filters skipped by policy, so what arrives here is exactly one terminal filter.
        if (chain.Filters.Length > 1)
        {
            throw new NotSupportedException(
                $"listener '{listener.Name}': {path}: only a single terminal network filter is supported yet, got {chain.Filters.Length}");
        }

        return new FilterChainRuntime(chain, CreateTerminalFactory(chain.Filters[^1], listener.Name, path, warning));
    }

#pragma warning disable CA1859 // The connection managers (HTTP, RPC) join this switch; the interface is the point.
    private INetworkFilterFactory CreateTerminalFactory(NetworkFilterConfig filter, string listenerName, string path, ListenerWarning warning) => filter switch
    {
        TcpProxyConfig tcpProxy => new TcpProxyFilterFactory(tcpProxy, _transport, _clusters, Stats, _heartbeat, _logger),
        HttpConnectionManagerConfig http => new HttpConnectionManagerFactory(http, _clusters, _httpPools, Stats, _heartbeat, TryGetRouteTable, _logger),
        _ => throw new NotSupportedException(
            $"listener '{listenerName}': {path}: network filter '{filter.Name}' is not supported"),
    };
#pragma warning restore CA1859
}
