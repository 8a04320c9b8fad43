using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using MeshProxy.Core.Network;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Transport;
using Serilog;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// Owns the bound listeners and every downstream connection they accepted. Applying listener snapshots adds new
/// listeners, stops removed ones (their connections finish on their own), swaps the snapshot of a listener whose
/// address is unchanged without rebinding, and rebinds one whose address or buffer limit changed. Draining with a
/// deadline arrives with xDS.
/// </summary>
internal sealed class ListenerManager : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly ITransport _transport;
    private readonly StatsStore _stats;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ActiveListener> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<TransportConnection, byte> _connections = new();
    private volatile ActiveListenerInfo[] _infos = [];
    private long _nextConnectionId;

    public ListenerManager(ITransport transport, StatsStore stats, ILogger logger)
    {
        _transport = transport;
        _stats = stats;
        _logger = logger;
    }

    public IReadOnlyList<ActiveListenerInfo> Listeners => _infos;

    /// <summary>Connections accepted and not yet closed, over every listener, removed ones included.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Not thread-safe: the caller serializes applies.</summary>
    public async Task ApplyAsync(IReadOnlyList<ListenerSnapshot> snapshots)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var snapshot in snapshots)
        {
            wanted.Add(snapshot.Config.Name);
        }

        foreach (var name in _listeners.Keys.ToArray())
        {
            if (!wanted.Contains(name))
            {
                _logger.Information("Listener {Listener}: removed, no longer accepting", name);
                await _listeners[name].StopAsync().ConfigureAwait(false);
                _listeners.Remove(name);
            }
        }

        try
        {
            foreach (var snapshot in snapshots)
            {
                var name = snapshot.Config.Name;
                if (_listeners.TryGetValue(name, out var existing))
                {
                    var old = existing.Snapshot;
                    if (old.Config.Address.Equals(snapshot.Config.Address) && old.ConnectionOptions.Equals(snapshot.ConnectionOptions))
                    {
                        existing.Snapshot = snapshot;
                        continue;
                    }

                    _logger.Information("Listener {Listener}: address or buffer limit changed, rebinding", name);
                    await existing.StopAsync().ConfigureAwait(false);
                    _listeners.Remove(name);
                }

                _listeners.Add(name, Bind(snapshot));
            }
        }
        finally
        {
            _infos = _listeners.Values.Select(static l => new ActiveListenerInfo(l.Name, l.EndPoint)).ToArray();
        }
    }

    public async Task RunConnectionAsync(ActiveListener listener, ListenerSnapshot snapshot, TransportConnection connection)
    {
        _connections.TryAdd(connection, 0);
        try
        {
            var chain = snapshot.SelectFilterChain(connection);
            if (chain is null)
            {
                listener.Stats.NoFilterChainMatch.Increment();
            }
            else
            {
                var context = new ConnectionContext(Interlocked.Increment(ref _nextConnectionId), connection, snapshot.Config, chain.Config);
                await chain.Terminal.CreateFilter(context).RunAsync(context).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // A filter bug must close its connection, not the listener or the process.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.Error(e, "Listener {Listener}: connection from {Remote} failed", listener.Name, connection.RemoteEndPoint);
            connection.Abort("filter failed");
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            _connections.TryRemove(connection, out _);
            listener.OnConnectionClosed();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners.Values)
        {
            await listener.StopAsync().ConfigureAwait(false);
        }

        _listeners.Clear();
        _infos = [];
        foreach (var connection in _connections.Keys)
        {
            connection.Abort("proxy shutting down");
        }

        var waited = Stopwatch.StartNew();
        while (!_connections.IsEmpty && waited.Elapsed < ShutdownGrace)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private ActiveListener Bind(ListenerSnapshot snapshot)
    {
        var config = snapshot.Config;
        IConnectionListener bound;
        try
        {
            bound = _transport.Bind(config.Address.ToEndPoint(), snapshot.ConnectionOptions);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"listener '{config.Name}': cannot bind {config.Address}: {e.Message}", e);
        }

        var active = new ActiveListener(bound, snapshot, this, new ListenerStats(_stats, bound.EndPoint), _logger);
        active.Start();
        _logger.Information("Listener {Listener}: accepting on {EndPoint}", config.Name, bound.EndPoint);
        return active;
    }
}
