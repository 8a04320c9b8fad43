using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using Serilog;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// Owns the listener table and every downstream connection. Applying a listener set: a listener whose config object
/// is the one already running is untouched (xDS reuses unchanged objects); a changed one at the same address gets
/// its new snapshot swapped in without rebinding; one whose address, binding or buffer limit changed is bound anew
/// first and then the old socket is closed; a removed one stops accepting. In every change the old snapshot's
/// connections keep running and drain: their drain token fires at once and, after the drain time, those still open
/// are closed. A listener that cannot be set up is reported in the result and keeps its previous version.
/// </summary>
internal sealed class ListenerManager : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly ITransport _transport;
    private readonly TimeSpan _drainTime;
    private readonly ListenerManagerStats _stats;
    private readonly Dictionary<string, ActiveListener> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ConnectionGroup, byte> _groups = new();
    private volatile ActiveListenerInfo[] _infos = [];
    private volatile HandOffTable _handOff = HandOffTable.Empty;
    private ImmutableArray<ListenerConfig> _configs = [];
    private long _nextConnectionId;

    public ListenerManager(ITransport transport, StatsStore stats, Heartbeat heartbeat, TimeSpan drainTime, ILogger logger)
    {
        _transport = transport;
        StatsStore = stats;
        Heartbeat = heartbeat;
        _drainTime = drainTime;
        Logger = logger;
        _stats = new ListenerManagerStats(stats);
    }

    /// <summary>Listeners that are bound and accepting.</summary>
    public IReadOnlyList<ActiveListenerInfo> Listeners => _infos;

    /// <summary>The configs running after the last apply, in the order applied (failed updates keep the old one).</summary>
    public ImmutableArray<ListenerConfig> Configs => _configs;

    /// <summary>Connections accepted and not yet closed, over every listener, removed and draining ones included.</summary>
    public int ConnectionCount
    {
        get
        {
            var count = 0;
            foreach (var group in _groups.Keys)
            {
                count += group.Count;
            }

            return count;
        }
    }

    internal StatsStore StatsStore { get; }

    internal Heartbeat Heartbeat { get; }

    internal ILogger Logger { get; }

    internal long NextConnectionId() => Interlocked.Increment(ref _nextConnectionId);

    internal ActiveListener? FindHandOffTarget(IPEndPoint destination) => _handOff.Find(destination);

    /// <summary>Makes <paramref name="configs"/> the listener set. Not thread-safe: the caller serializes applies.</summary>
    /// <param name="configs">Every listener wanted; the ones missing are removed.</param>
    /// <param name="build">Builds the runtime snapshot of a new or changed listener; throws
    /// <see cref="NotSupportedException"/> for what the runtime cannot run (reported as that listener's failure).</param>
    public async Task<ListenerApplyResult> ApplyAsync(IReadOnlyList<ListenerConfig> configs, Func<ListenerConfig, ListenerSnapshot> build)
    {
        ArgumentNullException.ThrowIfNull(configs);
        ArgumentNullException.ThrowIfNull(build);
        var failures = new List<ListenerApplyFailure>();
        var wanted = new Dictionary<string, ListenerConfig>(StringComparer.Ordinal);
        var addresses = new Dictionary<IPEndPoint, string>();
        var toApply = new List<ListenerConfig>(configs.Count);
        foreach (var config in configs)
        {
            if (!wanted.TryAdd(config.Name, config))
            {
                Fail(failures, config.Name, $"listener '{config.Name}': duplicate listener name");
                continue;
            }

            if (config.Address.Port != 0 && !addresses.TryAdd(config.Address.ToEndPoint(), config.Name))
            {
                Fail(failures, config.Name, $"listener '{config.Name}': address {config.Address} is already used by listener '{addresses[config.Address.ToEndPoint()]}'");
                continue;
            }

            toApply.Add(config);
        }

        try
        {
            foreach (var name in _listeners.Keys.ToArray())
            {
                if (!wanted.ContainsKey(name))
                {
                    var removed = _listeners[name];
                    _listeners.Remove(name);
                    await removed.StopAsync().ConfigureAwait(false);
                    Drain(removed.Snapshot);
                    _stats.ListenerRemoved.Increment();
                    Logger.Information("Listener {Listener}: removed; draining {Connections} connections", name, removed.Snapshot.Connections.Count);
                }
            }

            foreach (var config in toApply)
            {
                try
                {
                    await ApplyOneAsync(config, build).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException or NotSupportedException or ArgumentException or InvalidOperationException)
                {
                    var message = e is SocketException
                        ? $"listener '{config.Name}': cannot bind {config.Address}: {e.Message}"
                        : e.Message.StartsWith("listener '", StringComparison.Ordinal) ? e.Message : $"listener '{config.Name}': {e.Message}";
                    Fail(failures, config.Name, message);
                }
            }
        }
        finally
        {
            _infos = _listeners.Values.Where(static l => l.IsBound).Select(static l => new ActiveListenerInfo(l.Name, l.EndPoint)).ToArray();
            _handOff = new HandOffTable(_listeners.Values);
            _configs = CurrentConfigs(configs);
            _stats.TotalListenersActive.Set(_listeners.Count);
        }

        return failures.Count == 0 ? ListenerApplyResult.Success : new ListenerApplyResult(failures);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners.Values)
        {
            await listener.StopAsync().ConfigureAwait(false);
        }

        _listeners.Clear();
        _infos = [];
        _handOff = HandOffTable.Empty;
        foreach (var group in _groups.Keys)
        {
            group.CloseAll("proxy shutting down");
        }

        var waited = Stopwatch.StartNew();
        while (ConnectionCount != 0 && waited.Elapsed < ShutdownGrace)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private async Task ApplyOneAsync(ListenerConfig config, Func<ListenerConfig, ListenerSnapshot> build)
    {
        var name = config.Name;
        if (!_listeners.TryGetValue(name, out var existing))
        {
            var added = Create(build(config));
            _listeners.Add(name, added);
            _stats.ListenerAdded.Increment();
            Logger.Information(
                added.IsBound ? "Listener {Listener}: added, accepting on {EndPoint}" : "Listener {Listener}: added on {EndPoint}, not bound (reached by hand-off)",
                name,
                added.EndPoint);
            return;
        }

        var old = existing.Snapshot;
        if (ReferenceEquals(old.Config, config))
        {
            return; // Unchanged: not a single connection or socket is touched.
        }

        var snapshot = build(config);
        if (existing.IsBound == config.BindToPort
            && old.Config.Address.Equals(config.Address)
            && old.ConnectionOptions.Equals(snapshot.ConnectionOptions))
        {
            Track(snapshot);
            existing.Snapshot = snapshot;
            Drain(old);
            _stats.ListenerModified.Increment();
            _stats.ListenerCreateSuccess.Increment();
            Logger.Information("Listener {Listener}: updated in place; draining {Connections} connections of the previous version", name, old.Connections.Count);
            return;
        }

        // Address, binding or buffer limit changed: bind the new socket first so there is no gap. The same address
        // with plain SO_REUSEADDR (sockets transport) cannot be bound twice: then close the old socket first.
        ActiveListener replacement;
        try
        {
            replacement = Create(snapshot);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && existing.IsBound
            && existing.EndPoint.Equals(config.Address.ToEndPoint()))
        {
            await existing.StopAsync().ConfigureAwait(false);
            try
            {
                replacement = Create(snapshot);
            }
            catch (SocketException)
            {
                // The old socket is closed and the new one failed: the listener is gone; its connections drain.
                _listeners.Remove(name);
                Drain(old);
                throw;
            }
        }

        _listeners[name] = replacement;
        await existing.StopAsync().ConfigureAwait(false);
        Drain(old);
        _stats.ListenerModified.Increment();
        Logger.Information(
            "Listener {Listener}: moved from {OldEndPoint} to {EndPoint} (bound: {Bound}); draining {Connections} connections of the previous version",
            name,
            existing.EndPoint,
            replacement.EndPoint,
            replacement.IsBound,
            old.Connections.Count);
    }

    /// <summary>Binds (when asked) and starts a listener for <paramref name="snapshot"/>; counts the outcome.</summary>
    private ActiveListener Create(ListenerSnapshot snapshot)
    {
        var config = snapshot.Config;
        IConnectionListener? bound = null;
        if (config.BindToPort)
        {
            bound = _transport.Bind(config.Address.ToEndPoint(), snapshot.ConnectionOptions);
        }

        var active = new ActiveListener(bound, bound?.EndPoint ?? config.Address.ToEndPoint(), snapshot, this, Logger);
        Track(snapshot);
        active.Start();
        _stats.ListenerCreateSuccess.Increment();
        return active;
    }

    private ImmutableArray<ListenerConfig> CurrentConfigs(IReadOnlyList<ListenerConfig> order)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = ImmutableArray.CreateBuilder<ListenerConfig>(_listeners.Count);
        foreach (var config in order)
        {
            if (seen.Add(config.Name) && _listeners.TryGetValue(config.Name, out var listener))
            {
                current.Add(listener.Snapshot.Config);
            }
        }

        return current.ToImmutable();
    }

    private void Track(ListenerSnapshot snapshot) => _groups.TryAdd(snapshot.Connections, 0);

    private void Drain(ListenerSnapshot old)
    {
        _stats.TotalListenersDraining.Increment();
        old.Connections.StartDrain(_drainTime, Heartbeat.TimeProvider, OnDrained);
    }

    private void OnDrained(ConnectionGroup group)
    {
        _groups.TryRemove(group, out _);
        _stats.TotalListenersDraining.Decrement();
        group.Dispose();
    }

    private void Fail(List<ListenerApplyFailure> failures, string name, string message)
    {
        failures.Add(new ListenerApplyFailure(name, message));
        _stats.ListenerCreateFailure.Increment();
        Logger.Warning("Listener {Listener} not applied: {Reason}", name, message);
    }
}
