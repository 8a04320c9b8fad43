using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using MeshProxy.Core.Config;
using MeshProxy.Core.Listeners.Filters;
using MeshProxy.Core.Network;
using MeshProxy.Core.Threading;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using Serilog.Events;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// One accepted connection from accept to close, on the connection's event loop: listener filters (peeking, never
/// consuming), the <c>use_original_dst</c> hand-off, filter-chain match, then the chain's terminal filter.
/// The one object the listener allocates per connection: it also carries the inspection results, the filter
/// timeout state and the links of its <see cref="ConnectionGroup"/>.
/// </summary>
internal sealed class DownstreamConnection : IHeartbeatHandler
{
    private const int TimerIdle = 0;
    private const int TimerWaiting = 1;
    private const int TimerFired = 2;

    private readonly ListenerManager _manager;
    private readonly ActiveListener _accepting;
    private ActiveListener _serving;
    private ConnectionInspection _inspection;

    /// <summary>Bytes of Input already marked examined by a filter that asked for more; never consumed.</summary>
    private long _examined;

    /// <summary>Heartbeat timestamp after which waiting listener filters give up; 0 for no limit.</summary>
    private long _deadline;
    private int _timerState;
    private int _timeoutScheduled;
    private bool _heartbeatRegistered;
    private bool _timedOut;

    /// <summary>The timeout cancelled a read that had already completed with data: the cancellation is still
    /// pending in the pipe and must be taken before the network filter reads.</summary>
    private bool _cancelOutstanding;
    private bool _counted;

    public DownstreamConnection(ListenerManager manager, ActiveListener accepting, ListenerSnapshot snapshot, TransportConnection connection)
    {
        _manager = manager;
        _accepting = accepting;
        _serving = accepting;
        Snapshot = snapshot;
        Connection = connection;
    }

    public TransportConnection Connection { get; }

    /// <summary>The snapshot serving the connection: the accepting listener's, or the hand-off target's.</summary>
    public ListenerSnapshot Snapshot { get; set; }

    // Links of the intrusive list in ConnectionGroup; touched under the group's lock only.
    internal DownstreamConnection? Previous { get; set; }

    internal DownstreamConnection? Next { get; set; }

    internal ConnectionGroup? Group { get; set; }

    /// <summary>Runs the connection on its loop (inline when already there).</summary>
    // Queued, never inline: the epoll transport calls this from inside its accept loop.
    public void Start() => Connection.Loop.Schedule(static state => _ = ((DownstreamConnection)state!).RunAsync(), this);

    public void OnHeartbeat(long now)
    {
        if (Volatile.Read(ref _timerState) == TimerWaiting
            && now >= Volatile.Read(ref _deadline)
            && Interlocked.Exchange(ref _timeoutScheduled, 1) == 0)
        {
            // Cancel on the connection's loop, where its reads continue.
            Connection.Loop.Schedule(static state => ((DownstreamConnection)state!).FireTimeout(), this);
        }
    }

    // Fire and forget (started from Start's work item): a DetachedTask reuses its box per loop thread; filter
    // failures are caught below, so only a bug in the cleanup would escape, and that is rethrown, not lost.
    private async DetachedTask RunAsync()
    {
        var connection = Connection;
        try
        {
            _inspection = new ConnectionInspection((IPEndPoint)connection.LocalEndPoint, (IPEndPoint)connection.RemoteEndPoint);
            if (!await InspectAsync(Snapshot, handedOff: false).ConfigureAwait(false))
            {
                return;
            }

            if (Snapshot.Config.UseOriginalDst
                && _inspection.OriginalDestination is { } destination
                && _manager.FindHandOffTarget(destination) is { } target
                && target != _accepting)
            {
                if (!HandOff(target))
                {
                    connection.Abort("hand-off target listener is gone");
                    return;
                }

                if (!await InspectAsync(Snapshot, handedOff: true).ConfigureAwait(false))
                {
                    return;
                }
            }

            if (_inspection.TransportProtocol.Length == 0)
            {
                _inspection.TransportProtocol = ConnectionInspection.RawBuffer; // As Envoy: no filter decided.
            }

            await ServeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A filter bug must close its connection, not the listener or the process.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _manager.Logger.Error(e, "Listener {Listener}: connection from {Remote} failed", _serving.Name, connection.RemoteEndPoint);
            connection.Abort("filter failed");
        }
        finally
        {
            StopTimer();
            await connection.DisposeAsync().ConfigureAwait(false);
            Group?.Remove(this);
            _accepting.OnConnectionClosed();
            if (_counted)
            {
                _serving.Stats.DownstreamCxActive.Decrement();
                _serving.Stats.DownstreamCxDestroy.Increment();
            }
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private async ValueTask ServeAsync()
    {
        var snapshot = Snapshot;
        var stats = _serving.Stats;
        var chain = snapshot.Matcher.Select(in _inspection);
        if (chain is null)
        {
            stats.NoFilterChainMatch.Increment();
            LogDebug("Listener {Listener}: no filter chain matches {Remote} -> {Destination}", _serving.Name, Connection.RemoteEndPoint, _inspection.Destination);
            return;
        }

        _counted = true;
        stats.DownstreamCxTotal.Increment();
        stats.DownstreamCxActive.Increment();
        if (chain.RequiresTls)
        {
            stats.DownstreamCxTlsUnsupported.Increment();
            if (chain.ClaimTlsWarning())
            {
                _manager.Logger.Warning(
                    "Listener {Listener}: filter chain {Chain} requires TLS, which is not supported yet; closing its connections",
                    _serving.Name,
                    chain.Config.Name);
            }

            return;
        }

        var context = new ConnectionContext(_manager.NextConnectionId(), Connection, snapshot.Config, chain.Config)
        {
            OriginalDestination = _inspection.OriginalDestination,
            DrainToken = snapshot.Connections.DrainToken,
        };
        await chain.Terminal.CreateFilter(context).RunAsync(context).ConfigureAwait(false);
    }

    /// <summary>Moves the connection to <paramref name="target"/>'s current snapshot and group.</summary>
    private bool HandOff(ActiveListener target)
    {
        Group?.Remove(this);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            // A second try covers the target being replaced (its old group finished) right now.
            var snapshot = target.Snapshot;
            if (snapshot.Connections.TryAdd(this))
            {
                Snapshot = snapshot;
                _serving = target;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Runs <paramref name="snapshot"/>'s listener filters. Data filters see every byte received so far: a filter
    /// that needs more marks them examined (not consumed) and waits for the next read; the next filter is shown the
    /// same bytes. At the end the examined mark goes back to where the last wait left it, so the network filter's
    /// first read returns at once with everything. False: close the connection.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> InspectAsync(ListenerSnapshot snapshot, bool handedOff)
    {
        var filters = snapshot.ListenerFilters;
        if (filters.Length == 0)
        {
            return true;
        }

        var reader = Connection.Input;
        var timeout = snapshot.Config.ListenerFiltersTimeout;
        var heartbeat = _manager.Heartbeat;
        Volatile.Write(ref _deadline, timeout > TimeSpan.Zero ? heartbeat.Now + heartbeat.ToTimestampTicks(timeout) : 0);
        _timedOut = false;
        ReadResult result = default;
        var holding = false;
        try
        {
            for (var i = 0; i < filters.Length;)
            {
                var filter = filters[i];
                if ((handedOff && filter.Kind == ListenerFilterKind.OriginalDst) || filter.IsDisabledFor(_inspection.Destination.Port))
                {
                    i++;
                    continue;
                }

                ListenerFilterStatus status;
                if (!filter.InspectsData)
                {
                    status = filter.OnAccept(Connection, ref _inspection);
                }
                else
                {
                    if (!holding)
                    {
                        result = await ReadAsync(reader).ConfigureAwait(false);
                        holding = true;
                        if (_timedOut)
                        {
                            break;
                        }
                    }

                    status = filter.OnData(result.Buffer, result.IsCompleted, ref _inspection);
                    if (status == ListenerFilterStatus.NeedMoreData)
                    {
                        if (!result.IsCompleted)
                        {
                            _examined = result.Buffer.Length;
                            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                            holding = false;
                            continue;
                        }

                        status = ListenerFilterStatus.Continue; // The contract says decide at end of stream; be safe.
                    }
                }

                if (status == ListenerFilterStatus.Close)
                {
                    return false;
                }

                i++;
            }
        }
        finally
        {
            if (holding)
            {
                // Examined may not move backwards: back to the last wait's mark, which the newest bytes passed.
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.GetPosition(_examined));
            }

            StopTimer();
        }

        if (!_timedOut)
        {
            return true;
        }

        _serving.Stats.DownstreamPreCxTimeout.Increment();
        LogDebug("Listener {Listener}: listener filters timed out for {Remote}", _serving.Name, Connection.RemoteEndPoint);
        if (!snapshot.Config.ContinueOnListenerFiltersTimeout)
        {
            return false;
        }

        while (_cancelOutstanding)
        {
            var late = await reader.ReadAsync().ConfigureAwait(false);
            reader.AdvanceTo(late.Buffer.Start, late.Buffer.GetPosition(_examined));
            _cancelOutstanding = !late.IsCanceled;
        }

        return true;
    }

    /// <summary>Reads with the listener-filter deadline: the heartbeat cancels the pending read when it passes.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadAsync(PipeReader reader)
    {
        var pending = reader.ReadAsync();
        if (!pending.IsCompleted && Volatile.Read(ref _deadline) != 0)
        {
            if (!_heartbeatRegistered)
            {
                _manager.Heartbeat.Register(this);
                _heartbeatRegistered = true;
            }

            Volatile.Write(ref _timerState, TimerWaiting);
            if (_manager.Heartbeat.Now >= Volatile.Read(ref _deadline))
            {
                FireTimeout();
            }
        }

        var result = await pending.ConfigureAwait(false);
        if (Interlocked.Exchange(ref _timerState, TimerIdle) == TimerFired)
        {
            _timedOut = true;
            _cancelOutstanding = !result.IsCanceled;
        }

        return result;
    }

    private void FireTimeout()
    {
        Volatile.Write(ref _timeoutScheduled, 0);
        if (Interlocked.CompareExchange(ref _timerState, TimerFired, TimerWaiting) == TimerWaiting)
        {
            Connection.Input.CancelPendingRead();
        }
    }

    private void StopTimer()
    {
        Volatile.Write(ref _timerState, TimerIdle);
        Volatile.Write(ref _deadline, 0);
        if (_heartbeatRegistered)
        {
            _manager.Heartbeat.Unregister(this);
            _heartbeatRegistered = false;
        }
    }

    private void LogDebug<T0, T1, T2>(string template, T0 a, T1 b, T2 c)
    {
        if (_manager.Logger.IsEnabled(LogEventLevel.Debug))
        {
            _manager.Logger.Debug(template, a, b, c);
        }
    }

    private void LogDebug<T0, T1>(string template, T0 a, T1 b)
    {
        if (_manager.Logger.IsEnabled(LogEventLevel.Debug))
        {
            _manager.Logger.Debug(template, a, b);
        }
    }
}
