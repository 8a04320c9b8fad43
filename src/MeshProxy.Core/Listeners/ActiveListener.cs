using System.Net;
using MeshProxy.Core.Transport;
using Serilog;

namespace MeshProxy.Core.Listeners;

/// <summary>A bound listener and its accept loop. The snapshot may be swapped while it runs (same address).</summary>
internal sealed class ActiveListener
{
    private readonly IConnectionListener _listener;
    private readonly ListenerManager _manager;
    private readonly ILogger _logger;
    private volatile ListenerSnapshot _snapshot;
    private Task _acceptLoop = Task.CompletedTask;
    private long _active;

    public ActiveListener(IConnectionListener listener, ListenerSnapshot snapshot, ListenerManager manager, ListenerStats stats, ILogger logger)
    {
        _listener = listener;
        _snapshot = snapshot;
        _manager = manager;
        _logger = logger;
        Stats = stats;
    }

    public string Name => _snapshot.Config.Name;

    public IPEndPoint EndPoint => _listener.EndPoint;

    public ListenerSnapshot Snapshot
    {
        get => _snapshot;
        set => _snapshot = value;
    }

    public ListenerStats Stats { get; }

    public void Start() => _acceptLoop = AcceptLoopAsync();

    /// <summary>Stops accepting; connections already accepted keep running.</summary>
    public async ValueTask StopAsync()
    {
        await _listener.UnbindAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
    }

    public void OnConnectionClosed()
    {
        Interlocked.Decrement(ref _active);
        Stats.DownstreamCxActive.Decrement();
        Stats.DownstreamCxDestroy.Increment();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TransportConnection? connection;
            try
            {
                connection = await _listener.AcceptAsync().ConfigureAwait(false);
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

            var snapshot = _snapshot;
            if (snapshot.MaxConnections is { } max && Interlocked.Read(ref _active) >= max)
            {
                Stats.DownstreamCxOverflow.Increment();
                _ = connection.DisposeAsync().AsTask(); // Close at once (FIN); nothing was read or written.
                continue;
            }

            Interlocked.Increment(ref _active);
            Stats.DownstreamCxTotal.Increment();
            Stats.DownstreamCxActive.Increment();
            _ = _manager.RunConnectionAsync(this, snapshot, connection);
        }
    }
}
