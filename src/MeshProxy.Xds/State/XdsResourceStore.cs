using System.Collections.Immutable;
using System.Text;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Route.V3;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Listeners;
using MeshProxy.Core.Stats;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.Conversion;
using Serilog;
using ClusterProto = Envoy.Config.Cluster.V3.Cluster;
using ListenerProto = Envoy.Config.Listener.V3.Listener;

namespace MeshProxy.Xds.State;

/// <summary>
/// The accepted xDS resources and what the data plane runs from them. Validates and converts each update, keeps the
/// last good version of every resource that fails (the update is NACKed, naming each failure; the valid resources in
/// it apply, as in Envoy), deletes Listener/Cluster resources absent from a state-of-the-world response, follows the
/// route tables and endpoint sets that accepted listeners and clusters reference (subscribing and unsubscribing),
/// warms new clusters until their endpoints arrive and new listeners until their route tables arrive (an updated one
/// keeps serving its previous version meanwhile), and applies the result to the runtime as one snapshot.
/// <para>Unchanged resources keep their converted config objects, so the runtime sees reference-equal configs and
/// neither drains listeners nor rebuilds clusters on a push that did not change them.</para>
/// <para>Both the ADS client and file sources (path_config_source) feed it; calls are serialized here.</para>
/// </summary>
public sealed class XdsResourceStore : IXdsResourceHandler, IAsyncDisposable
{
    private static readonly string[] TypeOrder =
        [XdsTypeUrls.Cluster, XdsTypeUrls.ClusterLoadAssignment, XdsTypeUrls.Listener, XdsTypeUrls.RouteConfiguration];

    private readonly ProxyConfig _static;
    private readonly Func<ProxyConfig, CancellationToken, Task<ListenerApplyResult>> _apply;
    private readonly XdsStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly XdsStoreStats _stats;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly HashSet<string> _staticListenerNames;
    private readonly HashSet<string> _staticClusterNames;

    // Accepted resources per type URL, by name.
    private readonly Dictionary<string, Dictionary<string, XdsResourceEntry>> _resources = new(StringComparer.Ordinal)
    {
        [XdsTypeUrls.Listener] = new(StringComparer.Ordinal),
        [XdsTypeUrls.Cluster] = new(StringComparer.Ordinal),
        [XdsTypeUrls.RouteConfiguration] = new(StringComparer.Ordinal),
        [XdsTypeUrls.ClusterLoadAssignment] = new(StringComparer.Ordinal),
    };

    private readonly Dictionary<string, string> _typeVersions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, XdsRejection> _rejections = new(StringComparer.Ordinal);

    // What the runtime serves now, per dynamic name (an updated resource that is warming keeps its previous entry here).
    private Dictionary<string, ListenerConfig> _activeListeners = new(StringComparer.Ordinal);
    private Dictionary<string, ClusterConfig> _activeClusters = new(StringComparer.Ordinal);

    // A cluster with its EDS endpoints filled in, kept while neither input changes (reference equality downstream).
    private readonly Dictionary<string, (ClusterConfig Cluster, EndpointSetConfig? Endpoints, ClusterConfig Merged)> _merged = new(StringComparer.Ordinal);

    private string[] _listenerOrder = [];
    private string[] _clusterOrder = [];
    private HashSet<string> _subscribedRoutes = new(StringComparer.Ordinal);
    private HashSet<string> _subscribedEndpoints = new(StringComparer.Ordinal);
    private ITimer? _warmingTimer;
    private DateTimeOffset? _warmingTimerDue;
    private int _disposed;

    /// <param name="staticConfig">The bootstrap's static part; dynamic listeners and clusters are added to it.</param>
    /// <param name="apply">Makes a snapshot live; the listeners it could not apply (a port in use, say) keep their previous
    /// version there and are NACKed here. An exception from it NACKs the whole update, which is then forgotten.</param>
    /// <param name="stats">Where the xDS stats go.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="options">Warming timeouts and clock.</param>
    public XdsResourceStore(
        ProxyConfig staticConfig, Func<ProxyConfig, CancellationToken, Task<ListenerApplyResult>> apply, StatsStore stats, ILogger logger, XdsStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(staticConfig);
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(logger);
        _static = staticConfig;
        _apply = apply;
        _options = options ?? new XdsStoreOptions();
        _time = _options.TimeProvider;
        _logger = logger.ForContext<XdsResourceStore>();
        _stats = new XdsStoreStats(stats);
        _staticListenerNames = staticConfig.Listeners.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        _staticClusterNames = staticConfig.Clusters.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Receives the route table and endpoint names to subscribe to (the ADS client's SetSubscription).</summary>
    public Action<string, IReadOnlyCollection<string>>? SubscriptionSink { get; set; }

    /// <summary>The snapshot last applied (static plus active dynamic resources).</summary>
    public ProxyConfig Current { get; private set; } = ProxyConfig.Empty;

    public async ValueTask<string?> OnStateOfTheWorldAsync(
        string typeUrl, string versionInfo, IReadOnlyList<XdsResource> resources, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(resources);
        IReadOnlyCollection<string> removed = [];
        if (XdsTypeUrls.IsWildcardType(typeUrl) && _resources.TryGetValue(typeUrl, out var existing))
        {
            // A state-of-the-world Listener/Cluster response is the complete set: whatever it does not name is gone.
            var named = resources.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            removed = existing.Keys.Where(name => !named.Contains(name)).ToArray();
        }

        return await UpdateAsync(typeUrl, versionInfo, resources, removed, ct).ConfigureAwait(false);
    }

    public ValueTask<string?> OnDeltaAsync(
        string typeUrl, string systemVersionInfo, IReadOnlyList<XdsResource> added, IReadOnlyList<string> removed, CancellationToken ct) =>
        UpdateAsync(typeUrl, systemVersionInfo, added, removed, ct);

    public async ValueTask OnUpdateRejectedAsync(string typeUrl, string versionInfo, string details, CancellationToken ct)
    {
        if (!_resources.ContainsKey(typeUrl))
        {
            return;
        }

        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // The response was not understood, so EDS/RDS per-resource stats have no names to count under.
            _stats.Attempt(typeUrl, []);
            _stats.Rejected(typeUrl, []);
            _rejections[typeUrl] = new XdsRejection(versionInfo, _time.GetUtcNow(), details);
            _logger.Warning(
                "xDS {Type} version {Version} rejected by the client; the last good config keeps serving: {Details}",
                XdsTypeUrls.ShortName(typeUrl), versionInfo, details);
        }
        finally
        {
            _lock.Release();
        }
    }

    public void OnConnectionStateChanged(bool connected) => _stats.ConnectedState.Set(connected ? 1 : 0);

    /// <summary>Applies the static config alone (before anything dynamic arrives).</summary>
    public async Task<string?> ApplyStaticAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (result, error) = await RebuildAndApplyAsync(ct).ConfigureAwait(false);
            return error ?? (result.Succeeded ? null : result.ToString());
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Every dynamic resource with its version, state and last update, plus the last NACK per type.</summary>
    public XdsConfigDump Dump()
    {
        _lock.Wait();
        try
        {
            var types = new List<XdsTypeDump>(TypeOrder.Length);
            foreach (var typeUrl in TypeOrder)
            {
                var entries = _resources[typeUrl].Values
                    .OrderBy(e => e.Name, StringComparer.Ordinal)
                    .Select(e => new XdsResourceDump(e.Name, e.Version, StatusOf(typeUrl, e), e.LastUpdated, e.Proto))
                    .ToArray();
                types.Add(new XdsTypeDump(
                    typeUrl, _typeVersions.GetValueOrDefault(typeUrl, string.Empty), entries, _rejections.GetValueOrDefault(typeUrl)));
            }

            return new XdsConfigDump(types);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            _warmingTimer?.Dispose();
            _warmingTimer = null;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask<string?> UpdateAsync(
        string typeUrl, string version, IReadOnlyList<XdsResource> upserts, IReadOnlyCollection<string> removed, CancellationToken ct)
    {
        if (!_resources.TryGetValue(typeUrl, out var table))
        {
            return $"type {typeUrl} is not supported";
        }

        await _lock.WaitAsync(ct).ConfigureAwait(false);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            // Decoded responses name each resource once; only removals can repeat a name.
            var names = removed.Count == 0
                ? upserts.Select(r => r.Name).ToArray()
                : upserts.Select(r => r.Name).Concat(removed).Distinct(StringComparer.Ordinal).ToArray();
            _stats.Attempt(typeUrl, names);
            var now = _time.GetUtcNow();
            var before = new Dictionary<string, XdsResourceEntry>(table, StringComparer.Ordinal);
            var errors = new List<string>();
            var rejectedNames = new List<string>();
            int added = 0, updated = 0, unchanged = 0, removedCount = 0;

            foreach (var resource in upserts)
            {
                table.TryGetValue(resource.Name, out var previous);
                if (previous is not null && previous.Proto.Equals(resource.Message))
                {
                    // Same content under a new version_info: keep the converted object so nothing downstream churns.
                    table[resource.Name] = previous with { Version = resource.Version };
                    unchanged++;
                    continue;
                }

                var context = new ConversionContext();
                var config = Convert(typeUrl, resource, context);
                if (config is null || context.HasErrors)
                {
                    rejectedNames.Add(resource.Name);
                    foreach (var error in context.Errors.DefaultIfEmpty(new ConfigDiagnostic(ConfigSeverity.Error, string.Empty, "invalid resource")))
                    {
                        errors.Add($"{XdsTypeUrls.ShortName(typeUrl)} '{resource.Name}': {error}");
                    }

                    continue;
                }

                foreach (var warning in context.Warnings)
                {
                    _logger.Warning(
                        "xDS {Type} {Resource} version {Version}: {FieldPath}: {Warning}",
                        XdsTypeUrls.ShortName(typeUrl), resource.Name, resource.Version, warning.FieldPath, warning.Message);
                }

                table[resource.Name] = new XdsResourceEntry(resource.Name, resource.Version, resource.Message, config, now);
                if (previous is null)
                {
                    added++;
                }
                else
                {
                    updated++;
                }
            }

            foreach (var name in removed)
            {
                if (table.Remove(name))
                {
                    removedCount++;
                }
            }

            CheckListenerAddresses(typeUrl, table, before, errors, rejectedNames);
            var (applied, applyError) = await SubscribeAndApplyAsync(ct).ConfigureAwait(false);
            if (applyError is null && !applied.Succeeded)
            {
                // The runtime kept the previous version of each listener it could not apply; the store follows it.
                foreach (var failure in applied.Failures)
                {
                    errors.Add(failure.Message);
                    rejectedNames.Add(failure.ListenerName);
                    if (typeUrl == XdsTypeUrls.Listener)
                    {
                        Restore(table, before, failure.ListenerName);
                    }
                }

                (_, applyError) = await SubscribeAndApplyAsync(ct).ConfigureAwait(false);
            }

            if (applyError is not null)
            {
                // The runtime refused the snapshot (a port in use, say): forget this update entirely.
                table.Clear();
                foreach (var (name, entry) in before)
                {
                    table[name] = entry;
                }

                await SubscribeAndApplyAsync(ct).ConfigureAwait(false);
                errors.Add(applyError);
                rejectedNames.AddRange(upserts.Select(r => r.Name));
            }

            if (errors.Count > 0)
            {
                var details = Truncate(errors);
                _rejections[typeUrl] = new XdsRejection(version, now, details);
                _stats.Rejected(typeUrl, rejectedNames.Count > 0 ? rejectedNames.Distinct(StringComparer.Ordinal) : names);
                _logger.Warning(
                    "xDS {Type} version {Version} rejected ({Rejected} of {Count} resources); the last good config keeps serving: {Details}",
                    XdsTypeUrls.ShortName(typeUrl), version, rejectedNames.Distinct(StringComparer.Ordinal).Count(), upserts.Count, details);
                return details;
            }

            _typeVersions[typeUrl] = version;
            _stats.Success(typeUrl, names, version, now);
            _logger.Information(
                "xDS {Type} version {Version} applied in {ElapsedMs:F1} ms: {Added} added, {Updated} updated, {Removed} removed, {Unchanged} unchanged",
                XdsTypeUrls.ShortName(typeUrl), version, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, added, updated, removedCount, unchanged);
            return null;
        }
        finally
        {
            _lock.Release();
        }
    }

    private static object? Convert(string typeUrl, XdsResource resource, ConversionContext context) => resource.Message switch
    {
        ListenerProto listener when typeUrl == XdsTypeUrls.Listener => ListenerConverter.Convert(listener, string.Empty, RuntimeConfig.Empty, context),
        ClusterProto cluster when typeUrl == XdsTypeUrls.Cluster => ClusterConverter.Convert(cluster, string.Empty, context),
        RouteConfiguration routes when typeUrl == XdsTypeUrls.RouteConfiguration => RouteConfigurationConverter.Convert(routes, string.Empty, context),
        ClusterLoadAssignment assignment when typeUrl == XdsTypeUrls.ClusterLoadAssignment =>
            ClusterLoadAssignmentConverter.Convert(assignment, string.Empty, context),
        _ => null,
    };

    // Static names cannot be replaced, and two listeners cannot bind one address: reject the newcomer, keep the rest.
    private void CheckListenerAddresses(
        string typeUrl, Dictionary<string, XdsResourceEntry> table, Dictionary<string, XdsResourceEntry> before, List<string> errors, List<string> rejected)
    {
        if (typeUrl is not (XdsTypeUrls.Listener or XdsTypeUrls.Cluster))
        {
            return;
        }

        var staticNames = typeUrl == XdsTypeUrls.Listener ? _staticListenerNames : _staticClusterNames;
        foreach (var name in table.Keys.Where(staticNames.Contains).ToArray())
        {
            errors.Add($"{XdsTypeUrls.ShortName(typeUrl)} '{name}': name: '{name}' is a static resource of the bootstrap and cannot be replaced by xDS");
            rejected.Add(name);
            Restore(table, before, name);
        }

        if (typeUrl != XdsTypeUrls.Listener)
        {
            return;
        }

        var owners = new Dictionary<SocketAddressConfig, string>();
        foreach (var listener in _static.Listeners.Where(l => l.BindToPort))
        {
            owners[listener.Address] = listener.Name;
        }

        // Unchanged listeners claim their address first, so a newcomer is the one rejected.
        foreach (var entry in table.Values.OrderBy(e => before.TryGetValue(e.Name, out var old) && ReferenceEquals(old.Config, e.Config) ? 0 : 1))
        {
            var config = (ListenerConfig)entry.Config;
            if (!config.BindToPort)
            {
                continue;
            }

            if (owners.TryGetValue(config.Address, out var owner) && owner != entry.Name)
            {
                errors.Add($"LDS '{entry.Name}': address: {config.Address} is already used by listener '{owner}'");
                rejected.Add(entry.Name);
                Restore(table, before, entry.Name);
                continue;
            }

            owners[config.Address] = entry.Name;
        }
    }

    private static void Restore(Dictionary<string, XdsResourceEntry> table, Dictionary<string, XdsResourceEntry> before, string name)
    {
        if (before.TryGetValue(name, out var old))
        {
            table[name] = old;
        }
        else
        {
            table.Remove(name);
        }
    }

    // Route tables and endpoint sets follow what accepted listeners and clusters reference; unreferenced ones are dropped.
    // An updated listener that warms leaves its previous version serving, and that version finds its route tables by
    // name at request time: they stay subscribed and in the runtime until the new version goes live (as in Envoy).
    // Clusters need no such care: an active cluster carries its endpoints merged in.
    // Returns whether a route table or endpoint set was dropped.
    private bool UpdateSubscriptions()
    {
        var routes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _resources[XdsTypeUrls.Listener].Values)
        {
            routes.UnionWith(RouteNames((ListenerConfig)entry.Config));
            if (_activeListeners.TryGetValue(entry.Name, out var serving) && !ReferenceEquals(serving, entry.Config))
            {
                routes.UnionWith(RouteNames(serving));
            }
        }

        foreach (var listener in _static.Listeners)
        {
            routes.UnionWith(RouteNames(listener));
        }

        var endpoints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _resources[XdsTypeUrls.Cluster].Values)
        {
            if (EdsName((ClusterConfig)entry.Config) is { } name)
            {
                endpoints.Add(name);
            }
        }

        var pruned = Prune(_resources[XdsTypeUrls.RouteConfiguration], routes) | Prune(_resources[XdsTypeUrls.ClusterLoadAssignment], endpoints);
        if (!routes.SetEquals(_subscribedRoutes))
        {
            _subscribedRoutes = routes;
            SubscriptionSink?.Invoke(XdsTypeUrls.RouteConfiguration, routes.Order(StringComparer.Ordinal).ToArray());
        }

        if (!endpoints.SetEquals(_subscribedEndpoints))
        {
            _subscribedEndpoints = endpoints;
            SubscriptionSink?.Invoke(XdsTypeUrls.ClusterLoadAssignment, endpoints.Order(StringComparer.Ordinal).ToArray());
        }

        return pruned;

        static bool Prune(Dictionary<string, XdsResourceEntry> table, HashSet<string> wanted)
        {
            var unwanted = table.Keys.Where(n => !wanted.Contains(n)).ToArray();
            foreach (var name in unwanted)
            {
                table.Remove(name);
            }

            return unwanted.Length > 0;
        }
    }

    // Subscriptions, then the snapshot. Going live can retire the previous version of a listener, and with it the
    // route tables only that version used: those are dropped and the runtime gets the snapshot without them.
    private async Task<(ListenerApplyResult Result, string? Error)> SubscribeAndApplyAsync(CancellationToken ct)
    {
        UpdateSubscriptions();
        var applied = await RebuildAndApplyAsync(ct).ConfigureAwait(false);
        if (applied.Error is null && UpdateSubscriptions())
        {
            applied = await RebuildAndApplyAsync(ct).ConfigureAwait(false);
        }

        return applied;
    }

    private static ImmutableArray<string> RouteNames(ListenerConfig listener) => XdsReferences.ReferencedRouteNames(listener);

    private static string? EdsName(ClusterConfig cluster) => XdsReferences.EdsName(cluster);

    // The HCMs' rds.config_source.initial_fetch_timeout; the longest wins (Zero, wait forever, beats everything).
    private TimeSpan RouteWarmingTimeout(ListenerConfig listener)
    {
        TimeSpan? longest = null;
        var chains = listener.DefaultFilterChain is null ? listener.FilterChains : listener.FilterChains.Add(listener.DefaultFilterChain);
        foreach (var filter in chains.SelectMany(c => c.Filters))
        {
            if (filter is HttpConnectionManagerConfig { RdsRouteConfigName: not null } hcm)
            {
                var timeout = hcm.RdsInitialFetchTimeout ?? _options.RouteWarmingTimeout;
                if (timeout <= TimeSpan.Zero)
                {
                    return TimeSpan.Zero;
                }

                longest = longest is null || timeout > longest ? timeout : longest;
            }
        }

        return longest ?? _options.RouteWarmingTimeout;
    }

    // Decides what is active, applies it, and schedules the next warming deadline. Caller holds the lock.
    private async Task<(ListenerApplyResult Result, string? Error)> RebuildAndApplyAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? nextDeadline = null;
        var endpointSets = _resources[XdsTypeUrls.ClusterLoadAssignment];
        var routeTables = _resources[XdsTypeUrls.RouteConfiguration];

        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        var warmingClusters = 0;
        foreach (var (name, entry) in _resources[XdsTypeUrls.Cluster].ToArray())
        {
            var config = (ClusterConfig)entry.Config;
            var edsName = EdsName(config);
            EndpointSetConfig? endpoints = null;
            var warm = edsName is null || endpointSets.TryGetValue(edsName, out var set) && (endpoints = (EndpointSetConfig)set.Config) is not null;
            if (!warm)
            {
                var timeout = config.EdsInitialFetchTimeout ?? _options.EndpointWarmingTimeout;
                warm = CheckDeadline(_resources[XdsTypeUrls.Cluster], entry, timeout, now, ref nextDeadline);
            }

            if (warm)
            {
                clusters[name] = Merge(config, endpoints);
            }
            else
            {
                warmingClusters++;
                if (_activeClusters.TryGetValue(name, out var previous))
                {
                    clusters[name] = previous;
                }
            }
        }

        var listeners = new Dictionary<string, ListenerConfig>(StringComparer.Ordinal);
        var warmingListeners = 0;
        foreach (var (name, entry) in _resources[XdsTypeUrls.Listener].ToArray())
        {
            var config = (ListenerConfig)entry.Config;
            var warm = RouteNames(config).All(routeTables.ContainsKey)
                || CheckDeadline(_resources[XdsTypeUrls.Listener], entry, RouteWarmingTimeout(config), now, ref nextDeadline);
            if (warm)
            {
                listeners[name] = config;
            }
            else
            {
                warmingListeners++;
                if (_activeListeners.TryGetValue(name, out var previous))
                {
                    listeners[name] = previous;
                }
            }
        }

        foreach (var name in _merged.Keys.Where(n => !_resources[XdsTypeUrls.Cluster].ContainsKey(n)).ToArray())
        {
            _merged.Remove(name);
        }

        var snapshot = _static with
        {
            Listeners = InNameOrder(_static.Listeners, listeners, ref _listenerOrder),
            Clusters = InNameOrder(_static.Clusters, clusters, ref _clusterOrder),
            Routes = [.. routeTables.Values.Select(e => (RouteTableConfig)e.Config).OrderBy(r => r.Name, StringComparer.Ordinal)],
        };

        string? error = null;
        var result = ListenerApplyResult.Success;
        try
        {
            result = await _apply(snapshot, ct).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The runtime's refusal becomes a NACK message; the store and the stream go on.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            error = ex.Message;
        }

        if (error is null)
        {
            var failed = result.Failures.Select(f => f.ListenerName).ToHashSet(StringComparer.Ordinal);
            Current = failed.Count == 0 ? snapshot : snapshot with { Listeners = [.. snapshot.Listeners.Where(l => !failed.Contains(l.Name))] };
            _activeClusters = clusters;
            _activeListeners = failed.Count == 0 ? listeners : listeners.Where(l => !failed.Contains(l.Key)).ToDictionary(StringComparer.Ordinal);
            _stats.ClustersWarming.Set(warmingClusters);
            _stats.ListenersWarming.Set(warmingListeners);
        }

        ScheduleWarmingTimer(nextDeadline);
        return (result, error);
    }

    /// <summary>
    /// The static items, then the dynamic ones sorted by name: a stable order lets the runtime match unchanged clusters
    /// by position. Sorting 1,000 names on every push costs more than the rest of an EDS push, so the last order is
    /// reused while the set of names is the same.
    /// </summary>
    private static ImmutableArray<T> InNameOrder<T>(ImmutableArray<T> statics, Dictionary<string, T> items, ref string[] order)
    {
        var same = order.Length == items.Count;
        for (var i = 0; same && i < order.Length; i++)
        {
            same = items.ContainsKey(order[i]);
        }

        if (!same)
        {
            order = [.. items.Keys];
            Array.Sort(order, StringComparer.Ordinal);
        }

        var builder = ImmutableArray.CreateBuilder<T>(statics.Length + order.Length);
        builder.AddRange(statics);
        foreach (var name in order)
        {
            builder.Add(items[name]);
        }

        return builder.MoveToImmutable();
    }

    // True when the entry's warming deadline has passed (it then serves without what it waits for).
    private static bool CheckDeadline(
        Dictionary<string, XdsResourceEntry> table, XdsResourceEntry entry, TimeSpan timeout, DateTimeOffset now, ref DateTimeOffset? next)
    {
        if (entry.WarmingTimedOut)
        {
            return true;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return false; // 0 = wait forever (Istio's setting).
        }

        var deadline = entry.WarmingDeadline ?? entry.LastUpdated + timeout;
        if (deadline <= now)
        {
            table[entry.Name] = entry with { WarmingDeadline = deadline, WarmingTimedOut = true };
            return true;
        }

        if (entry.WarmingDeadline is null)
        {
            table[entry.Name] = entry with { WarmingDeadline = deadline };
        }

        next = next is null || deadline < next ? deadline : next;
        return false;
    }

    private ClusterConfig Merge(ClusterConfig cluster, EndpointSetConfig? endpoints)
    {
        if (endpoints is null && cluster.DiscoveryType != ClusterDiscoveryType.Eds)
        {
            return cluster;
        }

        if (_merged.TryGetValue(cluster.Name, out var cached) && ReferenceEquals(cached.Cluster, cluster) && ReferenceEquals(cached.Endpoints, endpoints))
        {
            return cached.Merged;
        }

        var merged = cluster with
        {
            Endpoints = endpoints?.Endpoints ?? [],
            OverprovisioningFactor = endpoints?.OverprovisioningFactor ?? EndpointSetConfig.DefaultOverprovisioningFactor,
        };
        _merged[cluster.Name] = (cluster, endpoints, merged);
        return merged;
    }

    private void ScheduleWarmingTimer(DateTimeOffset? deadline)
    {
        if (deadline == _warmingTimerDue || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _warmingTimer?.Dispose();
        _warmingTimer = null;
        _warmingTimerDue = deadline;
        if (deadline is { } due)
        {
            var delay = due - _time.GetUtcNow();
            _warmingTimer = _time.CreateTimer(_ => _ = OnWarmingDeadlineAsync(), null, delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task OnWarmingDeadlineAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            _warmingTimerDue = null;
            _logger.Information("xDS warming deadline passed: serving what has not received its routes or endpoints yet");
            var (result, error) = await SubscribeAndApplyAsync(CancellationToken.None).ConfigureAwait(false);
            if (error is not null || !result.Succeeded)
            {
                _logger.Warning("xDS warming: applying the config failed: {Error}", error ?? result.ToString());
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private XdsResourceStatus StatusOf(string typeUrl, XdsResourceEntry entry) => typeUrl switch
    {
        XdsTypeUrls.Listener => _activeListeners.TryGetValue(entry.Name, out var l) && ReferenceEquals(l, entry.Config)
            ? XdsResourceStatus.Active : XdsResourceStatus.Warming,
        XdsTypeUrls.Cluster => _activeClusters.TryGetValue(entry.Name, out var c)
            && (ReferenceEquals(c, entry.Config) || _merged.TryGetValue(entry.Name, out var m) && ReferenceEquals(m.Cluster, entry.Config) && ReferenceEquals(m.Merged, c))
            ? XdsResourceStatus.Active : XdsResourceStatus.Warming,
        _ => XdsResourceStatus.Active,
    };

    private string Truncate(List<string> errors)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < errors.Count; i++)
        {
            var next = (i == 0 ? string.Empty : "; ") + errors[i];
            if (builder.Length + next.Length > _options.MaxNackMessageLength)
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"; ... and {errors.Count - i} more");
                break;
            }

            builder.Append(next);
        }

        return builder.ToString();
    }
}
