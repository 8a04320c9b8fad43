using System.Runtime.CompilerServices;
using MeshProxy.Core.Threading;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using Serilog;
using Serilog.Events;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// HTTP/1.1 connections to one host from one event loop (Envoy's per-worker pool): idle keep-alive connections are
/// reused most-recent first, new ones connect on the loop with the cluster's connect timeout and take a slot of the
/// cluster's <c>max_connections</c> breaker; when that is full, requests wait in a queue bounded by
/// <c>max_pending_requests</c> and get the next released connection (or a freed slot).
/// </summary>
/// <remarks>
/// With the epoll transport every call happens on the pool's loop thread, so the lock is never contended (one
/// compare-exchange); it is there because the sockets transport cannot pin a connection's continuations to one thread.
/// Idle connections are checked for a FIN or stray bytes when taken, not while idle; a pool has no idle timeout yet.
/// </remarks>
internal sealed class Http1ConnectionPool : IHeartbeatHandler
{
    /// <summary>Envoy's default upstream <c>idle_timeout</c> (the cluster config does not carry one yet).</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(1);

    /// <summary>How often idle connections are checked for a FIN from the server (they are also checked when taken).</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Stack<Http1UpstreamConnection> _idle = new();
    private readonly Queue<Http1PendingRequest> _pending = new();
    private readonly ITransport _transport;
    private readonly Heartbeat _heartbeat;
    private readonly ILogger _logger;
    private readonly List<Http1UpstreamConnection> _sweep = [];
    private readonly long _idleTimeoutTicks;
    private readonly long _sweepIntervalTicks;
    private bool _disposed;
    private bool _registered;
    private int _connections;
    private int _sweepScheduled;
    private long _nextSweep;

    public Http1ConnectionPool(UpstreamHost host, IEventLoop loop, ITransport transport, Heartbeat heartbeat, ILogger logger)
    {
        Host = host;
        Loop = loop;
        _transport = transport;
        _heartbeat = heartbeat;
        _logger = logger;
        _idleTimeoutTicks = heartbeat.ToTimestampTicks(IdleTimeout);
        _sweepIntervalTicks = heartbeat.ToTimestampTicks(SweepInterval);
    }

    public UpstreamHost Host { get; }

    public IEventLoop Loop { get; }

    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>
    /// A connection for one request: an idle one, a new one, or (at <c>max_connections</c>) one released later.
    /// <paramref name="waiter"/> receives the queue entry while the request waits, so a timeout can cancel it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<(Http1UpstreamConnection? Connection, Http1PoolFailure Failure)> AcquireAsync(
        Cluster cluster, UpstreamRequestState state, Action<Http1PendingRequest?>? waiter)
    {
        var limits = cluster.Config.CircuitBreakers.DefaultPriority;
        var pendingHeld = false;
        try
        {
            while (true)
            {
                if (TryTakeIdle() is { } idle)
                {
                    return (idle, Http1PoolFailure.None);
                }

                var slot = cluster.Connections.TryAcquire();
                if (!slot)
                {
                    cluster.Stats.UpstreamCxOverflow.Increment();
                }

                // Envoy: when other pools hold the cluster's connections and this one has none, connect anyway, or
                // requests queued here would wait for a release that can only happen on another loop.
                if (slot || Volatile.Read(ref _connections) == 0)
                {
                    if (!pendingHeld && !state.TryAcquirePending(limits))
                    {
                        // Envoy counts a request waiting for its connection as pending too.
                        if (slot)
                        {
                            cluster.Connections.Release();
                        }

                        state.UpstreamRqPendingOverflow.Increment();
                        return (null, Http1PoolFailure.Overflow);
                    }

                    pendingHeld = true;
                    state.UpstreamRqPendingTotal.Increment();
                    return await ConnectAsync(cluster, slot).ConfigureAwait(false);
                }

                if (!pendingHeld)
                {
                    if (!state.TryAcquirePending(limits))
                    {
                        state.UpstreamRqPendingOverflow.Increment();
                        return (null, Http1PoolFailure.Overflow);
                    }

                    pendingHeld = true;
                    state.UpstreamRqPendingTotal.Increment();
                }

                var pending = new Http1PendingRequest();
                lock (_lock)
                {
                    _pending.Enqueue(pending);
                }

                waiter?.Invoke(pending);
                var handed = await pending.Task.ConfigureAwait(false);
                waiter?.Invoke(null);
                if (handed is not null)
                {
                    return (handed, Http1PoolFailure.None);
                }

                if (pending.Cancelled)
                {
                    return (null, Http1PoolFailure.Cancelled);
                }

                // A slot freed up: go round again.
            }
        }
        finally
        {
            if (pendingHeld)
            {
                state.ReleasePending(limits);
            }
        }
    }

    /// <summary>Gives a connection back after a request: kept for reuse when <paramref name="reusable"/>, else closed.</summary>
    public void Release(Http1UpstreamConnection connection, bool reusable)
    {
        if (reusable)
        {
            connection.ResetForRequest();
            while (true)
            {
                Http1PendingRequest? waiter;
                lock (_lock)
                {
                    if (_disposed)
                    {
                        break;
                    }

                    if (!_pending.TryDequeue(out waiter))
                    {
                        connection.IdleSince = _heartbeat.Now;
                        _idle.Push(connection);
                        if (!_registered)
                        {
                            // Swept while it holds idle connections; unregistered once empty, so a pool whose host is
                            // gone can be collected.
                            _registered = true;
                            _heartbeat.Register(this);
                        }

                        return;
                    }
                }

                // Outside the lock: the waiter's stream continues inline from here.
                if (waiter.TryComplete(connection))
                {
                    return;
                }
            }
        }

        _ = CloseAsync(connection, abort: !reusable);
    }

    public void OnHeartbeat(long now)
    {
        if (now < Volatile.Read(ref _nextSweep) || Interlocked.Exchange(ref _sweepScheduled, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref _nextSweep, now + _sweepIntervalTicks);
        Loop.Schedule(static s => ((Http1ConnectionPool)s!).Sweep(), this);
    }

    /// <summary>On the loop: closes idle connections the server closed, or idle past the idle timeout.</summary>
    private void Sweep()
    {
        Volatile.Write(ref _sweepScheduled, 0);
        var now = _heartbeat.Now;
        var sweep = _sweep;
        lock (_lock)
        {
            if (_idle.Count == 0)
            {
                if (_registered)
                {
                    _registered = false;
                    _heartbeat.Unregister(this);
                }

                return;
            }

            while (_idle.TryPop(out var connection))
            {
                sweep.Add(connection);
            }

            // Back in the same order (most recently used on top); the others are appended, to be closed.
            var count = sweep.Count;
            for (var i = count - 1; i >= 0; i--)
            {
                var connection = sweep[i];
                if (now - connection.IdleSince < _idleTimeoutTicks && connection.IsReusable())
                {
                    _idle.Push(connection);
                }
                else
                {
                    sweep.Add(connection);
                }
            }

            sweep.RemoveRange(0, count);
        }

        foreach (var connection in sweep)
        {
            _ = CloseAsync(connection, abort: false);
        }

        sweep.Clear();
    }

    /// <summary>Closes every idle connection (runtime shutdown); queued requests are told to try again.</summary>
    public void CloseIdle()
    {
        Http1UpstreamConnection[] idle;
        lock (_lock)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            if (_registered)
            {
                _registered = false;
                _heartbeat.Unregister(this);
            }

        }

        foreach (var connection in idle)
        {
            _ = CloseAsync(connection, abort: false);
        }
    }

    private Http1UpstreamConnection? TryTakeIdle()
    {
        while (true)
        {
            Http1UpstreamConnection? candidate;
            lock (_lock)
            {
                if (!_idle.TryPop(out candidate))
                {
                    return null;
                }
            }

            if (candidate.IsReusable())
            {
                candidate.ResetForRequest();
                return candidate;
            }

            _ = CloseAsync(candidate, abort: false);
        }
    }

    private async ValueTask<(Http1UpstreamConnection?, Http1PoolFailure)> ConnectAsync(Cluster cluster, bool holdsSlot)
    {
        Interlocked.Increment(ref _connections);
        var stats = cluster.Stats;
        stats.UpstreamCxTotal.Increment();
        if (cluster.RequiresTls)
        {
            stats.UpstreamCxConnectFail.Increment();
            stats.UpstreamCxTlsUnsupported.Increment();
            if (cluster.TakeTlsWarning())
            {
                _logger.Warning(
                    "Cluster {Cluster}: its transport socket requires TLS, which MeshProxy cannot originate yet; connections to it fail",
                    cluster.Name);
            }

            ConnectFailed(cluster, holdsSlot);
            return (null, Http1PoolFailure.ConnectFailure);
        }

        using var timeout = new CancellationTokenSource(cluster.ConnectTimeout, _heartbeat.TimeProvider);
        try
        {
            var connection = await _transport.ConnectAsync(Host.EndPoint, Loop, cluster.ConnectionOptions, timeout.Token).ConfigureAwait(false);
            stats.UpstreamCxActive.Increment();
            return (new Http1UpstreamConnection(connection, this, cluster) { HoldsBreakerSlot = holdsSlot }, Http1PoolFailure.None);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            stats.UpstreamCxConnectTimeout.Increment();
            stats.UpstreamCxConnectFail.Increment();
            ConnectFailed(cluster, holdsSlot);
            return (null, Http1PoolFailure.ConnectTimeout);
        }
#pragma warning disable CA1031 // Any connect failure (refused, unreachable, ...) has the same outcome: UF.
        catch (Exception e)
#pragma warning restore CA1031
        {
            stats.UpstreamCxConnectFail.Increment();
            ConnectFailed(cluster, holdsSlot);
            if (_logger.IsEnabled(LogEventLevel.Debug))
            {
                _logger.Debug("Connect to {Upstream} failed: {Error}", Host.EndPoint, e.Message);
            }

            return (null, Http1PoolFailure.ConnectFailure);
        }
    }

    private async Task CloseAsync(Http1UpstreamConnection connection, bool abort)
    {
        try
        {
            if (abort)
            {
                connection.Connection.Abort("upstream stream ended");
            }

            await connection.Connection.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing is best effort; the slot and stats are released regardless.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            var cluster = connection.Cluster;
            cluster.Stats.UpstreamCxActive.Decrement();
            cluster.Stats.UpstreamCxDestroy.Increment();
            Interlocked.Decrement(ref _connections);
            if (connection.HoldsBreakerSlot)
            {
                cluster.Connections.Release();
            }

            connection.DisposeCodec();
            WakeOne();
        }
    }

    private void ConnectFailed(Cluster cluster, bool holdsSlot)
    {
        Interlocked.Decrement(ref _connections);
        if (holdsSlot)
        {
            cluster.Connections.Release();
        }

        WakeOne();
    }

    /// <summary>A connection slot freed up: let the oldest queued request try to connect.</summary>
    private void WakeOne()
    {
        Http1PendingRequest? waiter;
        lock (_lock)
        {
            _pending.TryDequeue(out waiter);
        }

        waiter?.TryComplete(null);
    }
}
