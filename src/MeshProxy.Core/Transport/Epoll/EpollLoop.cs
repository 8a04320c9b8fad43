using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using MeshProxy.Core.Threading;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// One thread blocked in epoll_wait, dispatching readiness to the connections and listeners registered on it, and
/// running work other threads hand it through a queue and an eventfd. Its thread owns its connections'
/// <see cref="LoopPipe"/>s: their continuations run inline here, calls from elsewhere are marshalled here, so transport
/// and application code of a connection both run on it. It is also a <see cref="PipeScheduler"/> with the same rule
/// (inline on the loop, queued from elsewhere), the <see cref="IEventLoop.Scheduler"/> for pipes other code builds.
/// </summary>
internal sealed unsafe class EpollLoop : PipeScheduler, IEventLoop
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;

    /// <summary>Work items run per batch before the loop polls again, so queued work cannot starve I/O.</summary>
    private const int MaxWorkPerBatch = 1024;

    /// <summary>The loop whose work the current thread runs: its own thread, or after shutdown the one thread that
    /// drains its queue (<see cref="DrainAfterShutdown"/>). What <see cref="IsOnLoopThread"/> answers.</summary>
    [ThreadStatic]
    private static EpollLoop? t_current;

    private readonly ConcurrentQueue<(Action<object?> Action, object? State)> _work = new();
    private readonly Lock _slotLock = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly Thread _thread;
    private readonly int _epollFd;
    private readonly int _wakeFd;
    private IEpollHandle?[] _slots = new IEpollHandle?[64];
    private int _slotCount;
    private uint _generation;
    private int _wakePending;
    private volatile bool _stopping;
    private volatile bool _shutDown;
    private int _threadId;

    // 1 while a thread runs this loop's work: the loop thread for its whole life, then one drainer at a time, so work
    // queued after shutdown still runs one item at a time (the connections' LoopPipes rely on it, as on the loop).
    private int _draining = 1;

    public EpollLoop(int id, PinnedBlockMemoryPool pool)
    {
        Id = id;
        Pool = pool;
        _epollFd = Native.EpollCreate1(Native.O_CLOEXEC);
        if (_epollFd < 0)
        {
            throw SocketErrors.Exception(Native.Errno);
        }

        _wakeFd = Native.EventFd(0, Native.O_NONBLOCK | Native.O_CLOEXEC);
        if (_wakeFd < 0)
        {
            int errno = Native.Errno;
            _ = Native.Close(_epollFd);
            throw SocketErrors.Exception(errno);
        }

        int rc = Native.EpollCtl(_epollFd, Native.EPOLL_CTL_ADD, _wakeFd, Native.EPOLLIN, WakeToken);
        if (rc < 0)
        {
            _ = Native.Close(_wakeFd);
            _ = Native.Close(_epollFd);
            throw SocketErrors.Exception(-rc);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"epoll-loop-{id}" };
        pool.Attach(this); // Its loop-side cache is this thread's.
    }

    public int Id { get; }

    public PipeScheduler Scheduler => this;

    public PinnedBlockMemoryPool Pool { get; }

    /// <summary>Managed thread id of the loop thread (valid once started).</summary>
    public int ThreadId => Volatile.Read(ref _threadId);

    /// <summary>True on the loop thread, and after shutdown on the thread draining the loop's queue: the one thread
    /// that may touch the state of the loop's connections (their <see cref="LoopPipe"/>s) without marshalling.</summary>
    public bool IsOnLoopThread => t_current == this;

    /// <summary>Exceptions thrown by scheduled work or event handlers; the loop survives them.</summary>
    public long UnhandledExceptions { get; private set; }

    /// <summary>
    /// Recycled pipes the loop's next connections take (<see cref="LoopPipe.Rent"/>); a proxied connection finishes
    /// four. Loop thread only. A pipe here holds no pool block, only its few segment objects.
    /// </summary>
    internal Stack<LoopPipe> FreePipes { get; } = new();

    /// <summary>Pipes kept on <see cref="FreePipes"/>: 32 proxied connections' worth finishing at once.</summary>
    internal const int MaxFreePipes = 128;

    /// <summary>Handles pinning segments for a gathering send; one send runs at a time on a loop.</summary>
    internal System.Buffers.MemoryHandle[] SendHandles { get; } = new System.Buffers.MemoryHandle[EpollConnection.MaxSendSegments];

    public void Start()
    {
        // No ExecutionContext flows from the starter: the loop runs everything in the default one, and AsyncLocals set
        // by whoever started it (a test, a log scope) do not leak into every connection.
        _thread.UnsafeStart();
        SpinWait spin = default;
        while (ThreadId == 0)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>Always queues (never inline), so a caller on the loop is not re-entered.</summary>
    void IEventLoop.Schedule(Action<object?> action, object? state) => Enqueue(action, state);

    /// <summary>Continuations of pipes scheduled here: inline on the loop thread, queued from any other thread.</summary>
    public override void Schedule(Action<object?> action, object? state)
    {
        if (IsOnLoopThread)
        {
            action(state);
        }
        else
        {
            Enqueue(action, state);
        }
    }

    internal void Enqueue(Action<object?> action, object? state)
    {
        _work.Enqueue((action, state));
        if (_shutDown)
        {
            // The loop is gone: what is queued now (a close signal, say) runs on the thread pool, not never.
            System.Threading.ThreadPool.UnsafeQueueUserWorkItem(static loop => loop.DrainAfterShutdown(), this, preferLocal: false);
            return;
        }

        if (!_stopping && !IsOnLoopThread && Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            long one = 1;
            _ = Native.Write(_wakeFd, (byte*)&one, sizeof(long));
        }
    }

    /// <summary>Adds <paramref name="fd"/> to this loop's epoll set for <paramref name="handle"/>. Any thread.</summary>
    internal int Register(IEpollHandle handle, int fd, uint events)
    {
        lock (_slotLock)
        {
            int slot;
            if (_freeSlots.Count > 0)
            {
                slot = _freeSlots.Pop();
            }
            else
            {
                if (_slotCount == _slots.Length)
                {
                    var grown = new IEpollHandle?[_slots.Length * 2];
                    Array.Copy(_slots, grown, _slots.Length);
                    Volatile.Write(ref _slots, grown);
                }

                slot = _slotCount++;
            }

            _generation = _generation == uint.MaxValue - 1 ? 1 : _generation + 1;
            handle.Token = ((ulong)_generation << 32) | (uint)slot;
            _slots[slot] = handle;
        }

        int rc = Native.EpollCtl(_epollFd, Native.EPOLL_CTL_ADD, fd, events, handle.Token);
        if (rc < 0)
        {
            Release(handle);
        }

        return rc;
    }

    /// <summary>Frees the handle's slot; the caller closes the fd, which removes it from the epoll set.</summary>
    internal void Release(IEpollHandle handle)
    {
        lock (_slotLock)
        {
            int slot = (int)(uint)handle.Token;
            if (ReferenceEquals(_slots[slot], handle))
            {
                _slots[slot] = null;
                _freeSlots.Push(slot);
            }
        }
    }

    /// <summary>Stops the loop and waits for its thread; every registered handle is closed on the way out.</summary>
    public void Stop()
    {
        _stopping = true;
        long one = 1;
        _ = Native.Write(_wakeFd, (byte*)&one, sizeof(long));
        if (!IsOnLoopThread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        // No SynchronizationContext on the loop, on purpose. The code awaits with ConfigureAwait(false), and the runtime
        // never runs such a continuation inline on a thread that has a custom context: with one installed, every task
        // completed on the loop (a connect, a close, a pump ending) sent the rest of its awaiter to the thread pool,
        // which then competed with the loop for its core (2.8-5.7 context switches per request under churn). Without
        // one, such continuations run right here, on the loop. Code that leaves the loop (a timer, a back-off) comes
        // back explicitly (LoopAwaitable).
        t_current = this;
        FlowingContext.NoteDefault(); // started with UnsafeStart: the default context, whatever the starter's was
        Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        int stride = Native.EpollEventSize;
        int dataOffset = Native.EpollEventDataOffset;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * stride));
        try
        {
            while (!_stopping)
            {
                int count = Native.EpollWait(_epollFd, events, MaxEvents, _work.IsEmpty ? -1 : 0);
                if (count < 0)
                {
                    int errno = Native.Errno;
                    if (errno == Native.EINTR)
                    {
                        continue;
                    }

                    throw SocketErrors.Exception(errno);
                }

                IEpollHandle?[] slots = Volatile.Read(ref _slots);
                for (int i = 0; i < count; i++)
                {
                    byte* ev = events + (i * stride);
                    uint mask = *(uint*)ev;
                    ulong token = *(ulong*)(ev + dataOffset);
                    if (token == WakeToken)
                    {
                        long value;
                        _ = Native.Read(_wakeFd, (byte*)&value, sizeof(long));
                        Volatile.Write(ref _wakePending, 0);
                        continue;
                    }

                    int slot = (int)(uint)token;
                    if ((uint)slot >= (uint)slots.Length)
                    {
                        slots = Volatile.Read(ref _slots);
                    }

                    IEpollHandle? handle = slots[slot];
                    if (handle is not null && handle.Token == token)
                    {
                        Dispatch(handle, mask);
                    }
                }

                RunWork();
            }
        }
        finally
        {
            NativeMemory.Free(events);
            Shutdown();
        }
    }

    private void Dispatch(IEpollHandle handle, uint mask)
    {
        try
        {
            handle.OnEvents(mask);
        }
#pragma warning disable CA1031 // One failing connection must not stop the loop that serves all the others.
        catch (Exception)
#pragma warning restore CA1031
        {
            UnhandledExceptions++;
        }
    }

    private void RunWork()
    {
        for (int i = 0; i < MaxWorkPerBatch && _work.TryDequeue(out var item); i++)
        {
            try
            {
                item.Action(item.State);
            }
#pragma warning disable CA1031 // Scheduled work is user code; an exception there must not stop the loop.
            catch (Exception)
#pragma warning restore CA1031
            {
                UnhandledExceptions++;
            }
        }
    }

    private void Shutdown()
    {
        IEpollHandle?[] slots;
        lock (_slotLock)
        {
            slots = (IEpollHandle?[])_slots.Clone();
        }

        foreach (IEpollHandle? handle in slots)
        {
            if (handle is null)
            {
                continue;
            }

            try
            {
                handle.OnLoopStopped();
            }
#pragma warning disable CA1031 // Best effort while tearing down: keep closing the rest.
            catch (Exception)
#pragma warning restore CA1031
            {
                UnhandledExceptions++;
            }
        }

        _shutDown = true;
        Interlocked.MemoryBarrier(); // Against an Enqueue that saw _shutDown false: its item is visible below.
        RunAllWork();
        _ = Native.Close(_wakeFd);
        _ = Native.Close(_epollFd);
        t_current = null;
        Interlocked.Exchange(ref _draining, 0);
        if (!_work.IsEmpty)
        {
            DrainAfterShutdown();
        }
    }

    /// <summary>
    /// Runs what was queued after shutdown, one drainer at a time: a second thread that finds the queue taken returns,
    /// and the drainer looks again after letting go, so no item is stranded.
    /// </summary>
    private void DrainAfterShutdown()
    {
        while (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            EpollLoop? previous = t_current;
            t_current = this;
            try
            {
                RunAllWork();
            }
            finally
            {
                t_current = previous;
                Interlocked.Exchange(ref _draining, 0);
            }

            if (_work.IsEmpty)
            {
                return;
            }
        }
    }

    private void RunAllWork()
    {
        while (!_work.IsEmpty)
        {
            RunWork();
        }
    }
}
