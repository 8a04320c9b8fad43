using System.Net;
using MeshProxy.Core.Transport;
using Serilog;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// One listener in the table: its current snapshot (swapped in place when the address stays), its stats, and, when
/// it binds, the socket and accept loop. A listener with <c>bind_to_port: false</c> has no socket and is reached
/// only through a <c>use_original_dst</c> hand-off.
/// </summary>
internal sealed class ActiveListener
{
    private readonly IConnectionListener? _listener;
    private readonly ListenerManager _manager;
    private readonly ILogger _logger;
    private volatile ListenerSnapshot _snapshot;
    private Task _acceptLoop = Task.CompletedTask;
    private long _active;

    public ActiveListener(IConnectionListener? listener, IPEndPoint endPoint, ListenerSnapshot snapshot, ListenerManager manager, ILogger logger)
    {
        _listener = listener;
        _snapshot = snapshot;
        _manager = manager;
        _logger = logger;
        EndPoint = endPoint;
        Stats = new ListenerStats(manager.StatsStore, endPoint);
    }

    public string Name => _snapshot.Config.Name;

    /// <summary>The bound address (the real port when 0 was configured), or the configured one when not bound.</summary>
    public IPEndPoint EndPoint { get; }

    public bool IsBound => _listener is not null;

    public ListenerSnapshot Snapshot
    {
        get => _snapshot;
        set => _snapshot = value;
    }

    public ListenerStats Stats { get; }

    public void Start()
    {
        // The epoll transport calls OnAccepted on the loop that accepted the connection; others queue for AcceptAsync.
        if (_listener is not null && !_listener.TrySetAcceptHandler(OnAccepted))
        {
            _acceptLoop = AcceptLoopAsync(_listener);
        }
    }

    /// <summary>Stops accepting; connections already accepted keep running.</summary>
    public async ValueTask StopAsync()
    {
        if (_listener is null)
        {
            return;
        }

        await _listener.UnbindAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A connection this listener accepted has closed (wherever it was served).</summary>
    public void OnConnectionClosed() => Interlocked.Decrement(ref _active);

    private async Task AcceptLoopAsync(IConnectionListener listener)
    {
        while (true)
        {
            TransportConnection? connection;
            try
            {
                connection = await listener.AcceptAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // An accept error (EMFILE, ...) must not end the listener; log and go on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.Error(e, "Listener {Listener} on {EndPoint}: accept failed", Name, EndPoint);
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }

            if (connection is null)
            {
                return;
            }

            OnAccepted(connection);
        }
    }

    private void OnAccepted(TransportConnection connection)
    {
        try
        {
            Accept(connection);
        }
#pragma warning disable CA1031 // Called on an event loop by the transport: a failure closes this connection, never the loop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.Error(e, "Listener {Listener} on {EndPoint}: taking an accepted connection failed", Name, EndPoint);
            connection.Abort("accept failed");
        }
    }

    private void Accept(TransportConnection connection)
    {
        var snapshot = _snapshot;
        if (snapshot.MaxConnections is { } max && Interlocked.Read(ref _active) >= max)
        {
            Stats.DownstreamCxOverflow.Increment();
            _ = connection.DisposeAsync().AsTask(); // Close at once (FIN); nothing was read or written.
            return;
        }

        Interlocked.Increment(ref _active);
        var downstream = new DownstreamConnection(_manager, this, snapshot, connection);
        while (!snapshot.Connections.TryAdd(downstream))
        {
            // The snapshot was replaced and its group already finished draining: take the current one.
            var current = _snapshot;
            if (current == snapshot)
            {
                break;
            }

            snapshot = current;
        }

        if (downstream.Group is null)
        {
            Interlocked.Decrement(ref _active);
            connection.Abort("listener removed");
            return;
        }

        downstream.Snapshot = snapshot;
        downstream.Start();
    }
}
