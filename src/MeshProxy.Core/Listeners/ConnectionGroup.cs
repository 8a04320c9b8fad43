namespace MeshProxy.Core.Listeners;

/// <summary>
/// The connections one listener snapshot serves, and their drain. While the snapshot is current the group only
/// tracks; once the listener changes or is removed it drains: <see cref="DrainToken"/> is cancelled (connection
/// managers may then ask clients to go away), and after the drain time the connections still open are closed.
/// An intrusive list under a lock: tracking a connection allocates nothing.
/// </summary>
internal sealed class ConnectionGroup : IDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _drain = new();
    private DownstreamConnection? _head;
    private int _count;
    private bool _draining;
    private bool _finished;
    private bool _closed;
    private Action<ConnectionGroup>? _onFinished;
    private ITimer? _deadline;

    /// <summary>Cancelled when the group starts draining.</summary>
    public CancellationToken DrainToken { get; }

    public ConnectionGroup() => DrainToken = _drain.Token;

    public int Count => Volatile.Read(ref _count);

    public bool IsDraining => Volatile.Read(ref _draining);

    /// <summary>Adds a connection; false once the group is finished (drained or past its deadline).</summary>
    public bool TryAdd(DownstreamConnection connection)
    {
        lock (_lock)
        {
            if (_finished || _closed)
            {
                return false;
            }

            connection.Group = this;
            connection.Next = _head;
            connection.Previous = null;
            if (_head is not null)
            {
                _head.Previous = connection;
            }

            _head = connection;
            _count++;
            return true;
        }
    }

    public void Remove(DownstreamConnection connection)
    {
        Action<ConnectionGroup>? finished = null;
        lock (_lock)
        {
            if (connection.Group != this)
            {
                return;
            }

            if (connection.Previous is not null)
            {
                connection.Previous.Next = connection.Next;
            }
            else
            {
                _head = connection.Next;
            }

            if (connection.Next is not null)
            {
                connection.Next.Previous = connection.Previous;
            }

            connection.Group = null;
            connection.Next = null;
            connection.Previous = null;
            _count--;
            if (_draining && _count == 0 && !_finished)
            {
                finished = Finish();
            }
        }

        finished?.Invoke(this);
    }

    /// <summary>
    /// Starts draining: signals <see cref="DrainToken"/> now and closes what is still open after
    /// <paramref name="drainTime"/>. <paramref name="onFinished"/> runs once, when the last connection is gone.
    /// </summary>
    public void StartDrain(TimeSpan drainTime, TimeProvider timeProvider, Action<ConnectionGroup> onFinished)
    {
        Action<ConnectionGroup>? finished = null;
        lock (_lock)
        {
            if (_draining)
            {
                return;
            }

            _draining = true;
            _onFinished = onFinished;
            if (_count == 0)
            {
                finished = Finish();
            }
            else
            {
                _deadline = timeProvider.CreateTimer(
                    static state => ((ConnectionGroup)state!).CloseAll("listener drained"),
                    this,
                    drainTime > TimeSpan.Zero ? drainTime : TimeSpan.Zero,
                    Timeout.InfiniteTimeSpan);
            }
        }

        // Outside the lock: callbacks registered on the token run here.
        _drain.Cancel();
        finished?.Invoke(this);
    }

    /// <summary>Aborts every connection in the group (drain deadline, shutdown); later adds are refused.</summary>
    public void CloseAll(string reason)
    {
        DownstreamConnection[] open;
        Action<ConnectionGroup>? finished = null;
        lock (_lock)
        {
            open = new DownstreamConnection[_count];
            var i = 0;
            for (var c = _head; c is not null; c = c.Next)
            {
                open[i++] = c;
            }

            _closed = true;
            if (_count == 0 && !_finished)
            {
                finished = Finish();
            }
            else
            {
                // The last Remove reports the group finished.
                _draining = true;
            }
        }

        foreach (var connection in open)
        {
            connection.Connection.Abort(reason);
        }

        finished?.Invoke(this);
    }

    public void Dispose()
    {
        _deadline?.Dispose();
        _drain.Dispose();
    }

    /// <summary>Under the lock.</summary>
    private Action<ConnectionGroup>? Finish()
    {
        _finished = true;
        _deadline?.Dispose();
        return _onFinished;
    }
}
