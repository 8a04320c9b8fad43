using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// A pipe whose state belongs to one <see cref="EpollLoop"/> thread: the <see cref="System.IO.Pipelines.Pipe"/> of
/// an epoll connection without its lock. Both ends of every epoll connection's pipes normally run on the connection's
/// loop (the transport's receive and send loops, and the application, whose continuations run inline there), so each
/// read, flush and advance is plain field work: no lock, no interlocked operation, no allocation.
/// </summary>
/// <remarks>
/// <para>Semantics are Pipe's with inline schedulers and no synchronization context: the pause and resume writer
/// thresholds (counted on examined bytes), <c>AdvanceTo(consumed, examined)</c> where examining everything makes the
/// next read wait for a flush, cancellation of a pending or the next read or flush, completion with an exception
/// thrown to the other side, blocks from the loop's pool returned once consumed and all of them once both sides are
/// complete. Continuations run inline on the loop thread and never capture the ExecutionContext.</para>
/// <para>Threads. Every member may be called from any thread; only calls on the loop thread (see
/// <see cref="EpollLoop.IsOnLoopThread"/>, which after the loop's shutdown is the thread draining its queue) touch
/// the state directly. From any other thread:
/// <list type="bullet">
/// <item><c>CancelPendingRead</c>, <c>CancelPendingFlush</c>, <c>Complete</c> and <c>CompleteAsync</c> are queued
/// to the loop and return at once (timers, drain, shutdown and <c>DisposeAsync</c> call them off the loop);
/// they take effect in queue order, as a Pipe's continuations queued to the loop did.</item>
/// <item>Registering a continuation for a pending <c>ReadAsync</c>/<c>FlushAsync</c> is queued to the loop, which
/// runs the continuation (so code awaiting from another thread continues on the loop, as with Pipe's loop
/// scheduler).</item>
/// <item>The data calls (<c>ReadAsync</c>, <c>TryRead</c>, <c>AdvanceTo</c>, <c>GetMemory</c>, <c>GetSpan</c>,
/// <c>Advance</c>, <c>FlushAsync</c>, <c>WriteAsync</c>, result retrieval) run on the loop while the caller waits.
/// That is slow and only tests do it (the proxy's code runs on the loop); it must not be done from a thread the
/// loop itself waits for, or from another loop.</item>
/// </list></para>
/// <para>Reuse. Connections rent their pipes (<see cref="Rent"/>). Once both ends are complete, no read or flush is
/// pending and no continuation is registered, a work item of the loop puts the pipe (with its segment objects, no
/// block) on the loop's free list for the next connection, and ends its lease: the reader and writer handed out for
/// it check their lease number on the loop before touching anything, so a holder that kept them (a timer, a drain,
/// a pool's probe) gets <see cref="InvalidOperationException"/> from a data call, and cancel/complete do nothing.
/// Buffers from earlier reads are as invalid as after any <c>AdvanceTo</c> or <c>Complete</c>: their blocks and
/// segments serve other reads.</para>
/// </remarks>
internal sealed partial class LoopPipe
{
    private const int MaxPooledSegments = 16;

    private readonly EpollLoop _loop;
    private readonly MemoryPool<byte> _pool;
    private readonly Stack<LoopPipeSegment> _segmentPool = new();
    private long _pauseWriterThreshold;
    private long _resumeWriterThreshold;

    // The ends handed out for the current lease. A pooled pipe (see Rent) gets new ones for each lease and bumps
    // _lease when it is recycled: ends of an earlier lease find their number stale and touch nothing.
    private LoopPipeReader _reader;
    private LoopPipeWriter _writer;
    private int _lease;
    private bool _pooled;
    private bool _recycleScheduled;

    // Flushed bytes not yet examined by the reader: what the thresholds compare (as Pipe's _unconsumedBytes).
    private long _unconsumedBytes;
    private long _unflushedBytes;
    private long _lastExaminedIndex = -1;

    // What the reader sees: head (first unconsumed byte) to tail (end of the flushed bytes).
    private LoopPipeSegment? _readHead;
    private int _readHeadIndex;
    private LoopPipeSegment? _readTail;
    private int _readTailIndex;

    // What the writer writes into: the last segment, the free part of its block, bytes advanced there not yet in End.
    private LoopPipeSegment? _writeHead;
    private Memory<byte> _writeMemory;
    private int _writeHeadBuffered;

    /// <summary>Between GetMemory and the flush: the reader may not return the write head's block.</summary>
    private bool _writing;

    /// <summary>Between a read's result and its AdvanceTo.</summary>
    private bool _reading;

    // The reader's awaitable: signalled = a read returns now (data or end flushed since the last wait, or cancelled).
    private bool _readSignaled;
    private bool _readCanceled;
    private bool _readPending;
    private Action<object?>? _readContinuation;
    private object? _readContinuationState;
    private CancellationToken _readToken;
    private CancellationTokenRegistration _readRegistration;

    // The writer's awaitable: paused = a flush waits (back-pressure).
    private bool _writerPaused;
    private bool _flushCanceled;
    private bool _flushPending;
    private Action<object?>? _flushContinuation;
    private object? _flushContinuationState;
    private CancellationToken _flushToken;
    private CancellationTokenRegistration _flushRegistration;

    private bool _writerCompleted;
    private ExceptionDispatchInfo? _writerError;
    private bool _readerCompleted;
    private ExceptionDispatchInfo? _readerError;

    /// <param name="loop">The loop whose thread owns the pipe's state and runs its continuations.</param>
    /// <param name="pool">Where the blocks come from (the loop's <see cref="PinnedBlockMemoryPool"/>).</param>
    /// <param name="pauseWriterThreshold">Unexamined bytes at which flushes start to wait; 0 for never.</param>
    /// <param name="resumeWriterThreshold">Unexamined bytes below which a waiting flush completes.</param>
    public LoopPipe(EpollLoop loop, MemoryPool<byte> pool, long pauseWriterThreshold, long resumeWriterThreshold)
    {
        CheckThresholds(pauseWriterThreshold, resumeWriterThreshold);
        _loop = loop;
        _pool = pool;
        _pauseWriterThreshold = pauseWriterThreshold;
        _resumeWriterThreshold = resumeWriterThreshold;
        _reader = new LoopPipeReader(this, _lease);
        _writer = new LoopPipeWriter(this, _lease);
    }

    /// <summary>The current lease's reading end (see <see cref="Rent"/>).</summary>
    public PipeReader Reader => _reader;

    /// <summary>The current lease's writing end (see <see cref="Rent"/>).</summary>
    public PipeWriter Writer => _writer;

    /// <summary>
    /// A pipe for a connection on <paramref name="loop"/>, blocks from the loop's pool: one the loop recycled if it
    /// has one and this is its thread, else a new one. The pipe goes back to the loop once both ends are complete and
    /// nothing waits on it (see <see cref="TryRecycle"/>); the ends handed out now then stop working: data calls
    /// through them throw <see cref="InvalidOperationException"/>, cancel and complete do nothing. Callers keep the
    /// <see cref="Reader"/> and <see cref="Writer"/> they got, never the pipe.
    /// </summary>
    public static LoopPipe Rent(EpollLoop loop, long pauseWriterThreshold, long resumeWriterThreshold)
    {
        CheckThresholds(pauseWriterThreshold, resumeWriterThreshold);
        if (loop.IsOnLoopThread && loop.FreePipes.TryPop(out LoopPipe? pipe))
        {
            pipe.Reuse(pauseWriterThreshold, resumeWriterThreshold);
        }
        else
        {
            pipe = new LoopPipe(loop, loop.Pool, pauseWriterThreshold, resumeWriterThreshold);
        }

        pipe._pooled = true;
        return pipe;
    }

    private static void CheckThresholds(long pauseWriterThreshold, long resumeWriterThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pauseWriterThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(resumeWriterThreshold);
        if (pauseWriterThreshold > 0)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(resumeWriterThreshold, pauseWriterThreshold);
        }
    }

    private bool OnLoop => _loop.IsOnLoopThread;

    private static InvalidOperationException NoReadingAllowed() => new("Reading is not allowed after the reader was completed.");

    private static InvalidOperationException NoWritingAllowed() => new("Writing is not allowed after the writer was completed.");

    // ---- Writer side ----

    private Memory<byte> GetMemoryCore(int sizeHint)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_writerCompleted)
        {
            throw NoWritingAllowed();
        }

        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        if (!_writing || _writeMemory.Length == 0 || _writeMemory.Length < sizeHint)
        {
            AllocateWriteHead(sizeHint);
        }

        return _writeMemory;
    }

    private void AllocateWriteHead(int sizeHint)
    {
        _writing = true;
        if (_writeHead is null)
        {
            LoopPipeSegment segment = NewSegment(sizeHint);
            _writeHead = _readHead = _readTail = segment;
            _readHeadIndex = 0;
            _readTailIndex = 0;
            _lastExaminedIndex = 0;
            return;
        }

        if (_writeMemory.Length == 0 || _writeMemory.Length < sizeHint)
        {
            if (_writeHeadBuffered > 0)
            {
                _writeHead.End += _writeHeadBuffered;
                _writeHeadBuffered = 0;
            }

            LoopPipeSegment next = NewSegment(sizeHint);
            _writeHead.SetNext(next);
            _writeHead = next;
        }
    }

    private LoopPipeSegment NewSegment(int sizeHint)
    {
        LoopPipeSegment segment = _segmentPool.Count > 0 ? _segmentPool.Pop() : new LoopPipeSegment();
        int blockSize = _pool.MaxBufferSize;
        if (sizeHint <= blockSize)
        {
            segment.SetOwnedMemory(_pool.Rent(blockSize));
        }
        else
        {
            segment.SetArray(ArrayPool<byte>.Shared.Rent(sizeHint));
        }

        _writeMemory = segment.AvailableMemory;
        return segment;
    }

    private void ReturnSegment(LoopPipeSegment segment)
    {
        segment.ResetMemory();
        if (_segmentPool.Count < MaxPooledSegments)
        {
            _segmentPool.Push(segment);
        }
    }

    private void AdvanceCore(int bytes)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if ((uint)bytes > (uint)_writeMemory.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the end of the buffer.");
        }

        if (_readerCompleted)
        {
            return; // As Pipe: nobody will read it; GetMemory and FlushAsync go on working.
        }

        _unflushedBytes += bytes;
        _writeHeadBuffered += bytes;
        _writeMemory = _writeMemory[bytes..];
    }

    /// <summary>Makes the written bytes visible to the reader; true when there were any (the reader is woken).</summary>
    private bool Commit()
    {
        _writing = false;
        if (_unflushedBytes == 0)
        {
            return false;
        }

        LoopPipeSegment head = _writeHead!;
        head.End += _writeHeadBuffered;
        _writeHeadBuffered = 0;
        _readTail = head;
        _readTailIndex = head.End;
        long before = _unconsumedBytes;
        _unconsumedBytes += _unflushedBytes;
        _unflushedBytes = 0;
        if (_pauseWriterThreshold > 0 && before < _pauseWriterThreshold && _unconsumedBytes >= _pauseWriterThreshold && !_readerCompleted)
        {
            _writerPaused = true;
        }

        return true;
    }

    private ValueTask<FlushResult> FlushCore(CancellationToken cancellationToken)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (Commit())
        {
            SignalReader(); // The reader's continuation runs here, inline, and may already take the bytes.
        }

        if (!_writerPaused)
        {
            return cancellationToken.IsCancellationRequested
                ? ValueTask.FromCanceled<FlushResult>(cancellationToken)
                : new ValueTask<FlushResult>(TakeFlushResult());
        }

        if (_flushPending)
        {
            throw new InvalidOperationException("Concurrent flushes are not supported.");
        }

        _flushPending = true;
        if (cancellationToken.CanBeCanceled)
        {
            _flushToken = cancellationToken;
            _flushRegistration = cancellationToken.UnsafeRegister(static s => ((LoopPipeWriter)s!).OnTokenCanceled(), _writer);
        }

        return new ValueTask<FlushResult>(_writer, 0);
    }

    private ValueTask<FlushResult> WriteCore(ReadOnlySpan<byte> source, CancellationToken cancellationToken)
    {
        if (_writerCompleted)
        {
            throw NoWritingAllowed();
        }

        while (!source.IsEmpty)
        {
            Span<byte> destination = GetMemoryCore(1).Span;
            int count = Math.Min(destination.Length, source.Length);
            source[..count].CopyTo(destination);
            AdvanceCore(count);
            source = source[count..];
            if (_readerCompleted)
            {
                break; // Advance no longer moves; the flush reports IsCompleted.
            }
        }

        return FlushCore(cancellationToken);
    }

    private FlushResult TakeFlushResult()
    {
        bool canceled = _flushCanceled;
        _flushCanceled = false;
        if (_readerCompleted)
        {
            _readerError?.Throw();
            return new FlushResult(canceled, isCompleted: true);
        }

        return new FlushResult(canceled, isCompleted: false);
    }

    private void CancelPendingFlushCore()
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        _flushCanceled = true;
        ResumeWriter();
    }

    /// <summary>On the loop, for the lease the token was registered in.</summary>
    private void OnFlushTokenCanceledCore()
    {
        if (_flushPending && _flushToken.IsCancellationRequested)
        {
            CancelPendingFlushCore();
        }
    }

    private void CompleteWriterCore(Exception? exception)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_writerCompleted)
        {
            return;
        }

        Commit();
        _writerCompleted = true;
        _writerError = exception is null ? null : ExceptionDispatchInfo.Capture(exception);
        if (_readerCompleted)
        {
            ReleaseAll();
        }

        SignalReader();
        ScheduleRecycle();
    }

    /// <summary>Completes a waiting flush (its continuation runs inline) or lets the next one return at once.</summary>
    private void ResumeWriter()
    {
        _writerPaused = false;
        if (_flushContinuation is { } continuation)
        {
            object? state = _flushContinuationState;
            _flushContinuation = null;
            _flushContinuationState = null;
            continuation(state);
        }
    }

    // ---- Reader side ----

    private ValueTask<ReadResult> ReadCore(CancellationToken cancellationToken)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_readerCompleted)
        {
            throw NoReadingAllowed();
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        if (_readSignaled)
        {
            return new ValueTask<ReadResult>(TakeReadResult());
        }

        if (_readPending)
        {
            throw new InvalidOperationException("Concurrent reads are not supported.");
        }

        _readPending = true;
        if (cancellationToken.CanBeCanceled)
        {
            _readToken = cancellationToken;
            _readRegistration = cancellationToken.UnsafeRegister(static s => ((LoopPipeReader)s!).OnTokenCanceled(), _reader);
        }

        return new ValueTask<ReadResult>(_reader, 0);
    }

    private bool TryReadCore(out ReadResult result)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_readerCompleted)
        {
            throw NoReadingAllowed();
        }

        if (_unconsumedBytes > 0 || _readSignaled)
        {
            result = TakeReadResult();
            return true;
        }

        if (_readPending)
        {
            throw new InvalidOperationException("Concurrent reads are not supported.");
        }

        _reading = true; // Tentative, as Pipe: an AdvanceTo after a failed TryRead is allowed.
        result = default;
        return false;
    }

    private ReadResult TakeReadResult()
    {
        bool completed = _writerCompleted;
        if (completed)
        {
            _writerError?.Throw();
        }

        bool canceled = _readCanceled;
        _readCanceled = false;
        _reading = true;
        ReadOnlySequence<byte> buffer = _readHead is { } head
            ? new ReadOnlySequence<byte>(head, _readHeadIndex, _readTail!, _readTailIndex)
            : default;
        return new ReadResult(buffer, canceled, completed);
    }

    private void AdvanceToCore(SequencePosition consumed, SequencePosition examined)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_readerCompleted)
        {
            throw NoReadingAllowed();
        }

        if (!_reading)
        {
            throw new InvalidOperationException("No reading operation to complete.");
        }

        var consumedSegment = (LoopPipeSegment?)consumed.GetObject();
        int consumedIndex = consumed.GetInteger();
        var examinedSegment = (LoopPipeSegment?)examined.GetObject();
        int examinedIndex = examined.GetInteger();
        if (consumedSegment is not null && examinedSegment is not null
            && examinedSegment.RunningIndex + examinedIndex < consumedSegment.RunningIndex + consumedIndex)
        {
            throw new InvalidOperationException("The examined position cannot be less than the previously examined position.");
        }

        bool examinedEverything = examinedSegment == _readTail && examinedIndex == _readTailIndex;
        bool resumeWriter = false;
        if (examinedSegment is not null && _lastExaminedIndex >= 0)
        {
            long examinedAt = examinedSegment.RunningIndex + examinedIndex;
            long examinedBytes = examinedAt - _lastExaminedIndex;
            if (examinedBytes < 0)
            {
                throw new InvalidOperationException("The examined position cannot be less than the previously examined position.");
            }

            long before = _unconsumedBytes;
            _unconsumedBytes -= examinedBytes;
            _lastExaminedIndex = examinedAt;
            Debug.Assert(_unconsumedBytes >= 0, "unexamined byte count went negative");
            if (before >= _resumeWriterThreshold && _unconsumedBytes < _resumeWriterThreshold)
            {
                // Resumed now, its continuation run last, once this advance is done.
                _writerPaused = false;
                resumeWriter = true;
            }
        }

        LoopPipeSegment? returnStart = null;
        LoopPipeSegment? returnEnd = null;
        if (consumedSegment is not null)
        {
            if (_readHead is null)
            {
                throw new InvalidOperationException("Pipe is already advanced past provided cursor.");
            }

            returnStart = _readHead;
            returnEnd = consumedSegment;
            if (consumedIndex == returnEnd.End
                && (_writeHead != returnEnd || (_writeHeadBuffered == 0 && !_writing)))
            {
                // The whole block is consumed, and the writer is not filling it: it goes back to the pool.
                if (_writeHead == returnEnd)
                {
                    _writeHead = null;
                    _writeMemory = default;
                }

                LoopPipeSegment? next = returnEnd.NextSegment;
                if (_readTail == returnEnd)
                {
                    _readTail = next;
                    _readTailIndex = 0;
                }

                _readHead = next;
                _readHeadIndex = 0;
                returnEnd = next;
            }
            else
            {
                _readHead = consumedSegment;
                _readHeadIndex = consumedIndex;
            }
        }

        if (examinedEverything && !_writerCompleted)
        {
            Debug.Assert(!_writerPaused || _readerCompleted, "a paused writer and a waiting reader would deadlock");
            _readSignaled = false; // Everything seen: the next read waits for a flush.
        }

        while (returnStart is not null && returnStart != returnEnd)
        {
            LoopPipeSegment? next = returnStart.NextSegment;
            ReturnSegment(returnStart);
            returnStart = next;
        }

        _reading = false;
        if (resumeWriter)
        {
            ResumeWriter();
        }
    }

    private void CancelPendingReadCore()
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        _readCanceled = true;
        SignalReader();
    }

    /// <summary>On the loop, for the lease the token was registered in.</summary>
    private void OnReadTokenCanceledCore()
    {
        if (_readPending && _readToken.IsCancellationRequested)
        {
            CancelPendingReadCore();
        }
    }

    private void CompleteReaderCore(Exception? exception)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_readerCompleted)
        {
            return;
        }

        _reading = false;
        _readerCompleted = true;
        _readerError = exception is null ? null : ExceptionDispatchInfo.Capture(exception);
        if (_writerCompleted)
        {
            ReleaseAll();
        }

        ResumeWriter();
        ScheduleRecycle();
    }

    /// <summary>Lets a read return now (its continuation, if one waits, runs inline).</summary>
    private void SignalReader()
    {
        _readSignaled = true;
        if (_readContinuation is { } continuation)
        {
            object? state = _readContinuationState;
            _readContinuation = null;
            _readContinuationState = null;
            continuation(state);
        }
    }

    /// <summary>Both sides are complete: every block goes back to the pool.</summary>
    private void ReleaseAll()
    {
        LoopPipeSegment? segment = _readHead ?? _readTail;
        while (segment is not null)
        {
            LoopPipeSegment? next = segment.NextSegment;
            ReturnSegment(segment);
            segment = next;
        }

        _writeHead = null;
        _writeMemory = default;
        _readHead = null;
        _readTail = null;
        _readHeadIndex = 0;
        _readTailIndex = 0;
        _lastExaminedIndex = -1;
    }

    // ---- Reuse (pipes rented for connections) ----

    /// <summary>
    /// Both ends complete: from a work item of its own, so no call of this pipe is on the stack when it goes back to
    /// the loop (a continuation run inline by a complete may still be using the ends).
    /// </summary>
    private void ScheduleRecycle()
    {
        if (_pooled && !_recycleScheduled && _readerCompleted && _writerCompleted)
        {
            _recycleScheduled = true;
            _loop.Enqueue(static s => ((LoopPipeReader)s!).RecycleOnLoop(), _reader);
        }
    }

    /// <summary>
    /// Puts the pipe on its loop's free list if lease <paramref name="lease"/> is still current and over: both ends
    /// complete (so every block went back), no read or flush pending, no continuation registered. Ends the lease
    /// first, so its reader and writer are stale from here on, whether the pipe is kept or dropped.
    /// </summary>
    private void TryRecycle(int lease)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (lease != _lease || !_pooled || !_readerCompleted || !_writerCompleted || _readPending || _flushPending
            || _readContinuation is not null || _flushContinuation is not null)
        {
            return;
        }

        Debug.Assert(_readHead is null && _readTail is null && _writeHead is null, "a finished pipe still holds blocks");
        _lease++;
        _pooled = false;
        _writerError = null;
        _readerError = null;
        if (_loop.FreePipes.Count < EpollLoop.MaxFreePipes)
        {
            _loop.FreePipes.Push(this);
        }
    }

    /// <summary>Starts a new lease on a recycled pipe: the state of a new pipe, new ends, its segments kept.</summary>
    private void Reuse(long pauseWriterThreshold, long resumeWriterThreshold)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        _pauseWriterThreshold = pauseWriterThreshold;
        _resumeWriterThreshold = resumeWriterThreshold;
        _recycleScheduled = false;
        _unconsumedBytes = 0;
        _unflushedBytes = 0;
        _lastExaminedIndex = -1;
        _readHead = null;
        _readHeadIndex = 0;
        _readTail = null;
        _readTailIndex = 0;
        _writeHead = null;
        _writeMemory = default;
        _writeHeadBuffered = 0;
        _writing = false;
        _reading = false;
        _readSignaled = false;
        _readCanceled = false;
        _readPending = false;
        _readContinuation = null;
        _readContinuationState = null;
        _readToken = default;
        _readRegistration = default;
        _writerPaused = false;
        _flushCanceled = false;
        _flushPending = false;
        _flushContinuation = null;
        _flushContinuationState = null;
        _flushToken = default;
        _flushRegistration = default;
        _writerCompleted = false;
        _writerError = null;
        _readerCompleted = false;
        _readerError = null;
        _reader = new LoopPipeReader(this, _lease);
        _writer = new LoopPipeWriter(this, _lease);
    }

    // ---- The awaitables (one per side, reused: no allocation per await) ----

    private ValueTaskSourceStatus GetReadStatus()
    {
        // Also asked off the loop by an awaiter there: once signalled, a pending read stays so until GetResult.
        if (!_readSignaled)
        {
            return ValueTaskSourceStatus.Pending;
        }

        return _writerError is not null ? ValueTaskSourceStatus.Faulted : ValueTaskSourceStatus.Succeeded;
    }

    private ReadResult GetReadResultCore()
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (!_readSignaled)
        {
            throw new InvalidOperationException("The read has not completed.");
        }

        _readPending = false;
        CancellationToken token = _readToken;
        _readToken = default;
        _readRegistration.Dispose();
        _readRegistration = default;
        ReadResult result = TakeReadResult();
        if (result.IsCanceled)
        {
            token.ThrowIfCancellationRequested();
        }

        return result;
    }

    private void OnReadCompletedCore(Action<object?> continuation, object? state)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_readSignaled)
        {
            continuation(state);
            return;
        }

        if (_readContinuation is not null)
        {
            throw new InvalidOperationException("Concurrent reads are not supported.");
        }

        _readContinuation = continuation;
        _readContinuationState = state;
    }

    private ValueTaskSourceStatus GetFlushStatus()
    {
        if (_writerPaused)
        {
            return ValueTaskSourceStatus.Pending;
        }

        return _readerError is not null ? ValueTaskSourceStatus.Faulted : ValueTaskSourceStatus.Succeeded;
    }

    private FlushResult GetFlushResultCore()
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (_writerPaused)
        {
            throw new InvalidOperationException("The flush has not completed.");
        }

        _flushPending = false;
        CancellationToken token = _flushToken;
        _flushToken = default;
        _flushRegistration.Dispose();
        _flushRegistration = default;
        FlushResult result = TakeFlushResult();
        if (result.IsCanceled)
        {
            token.ThrowIfCancellationRequested();
        }

        return result;
    }

    private void OnFlushCompletedCore(Action<object?> continuation, object? state)
    {
        Debug.Assert(OnLoop, "LoopPipe state touched off its loop");
        if (!_writerPaused)
        {
            continuation(state);
            return;
        }

        if (_flushContinuation is not null)
        {
            throw new InvalidOperationException("Concurrent flushes are not supported.");
        }

        _flushContinuation = continuation;
        _flushContinuationState = state;
    }

    // ---- Off the loop ----

    /// <summary>Runs <paramref name="action"/> on the loop: inline when already there, else queued (not waited for).</summary>
    private void RunOnLoop<TState>(TState state, Action<TState> action)
    {
        if (OnLoop)
        {
            action(state);
            return;
        }

        _loop.Enqueue(static s =>
        {
            var (state, work) = ((TState, Action<TState>))s!;
            work(state);
        }, (state, action));
    }

    /// <summary>Runs <paramref name="call"/> on the loop and waits for it: the slow path of the data calls off the loop.</summary>
    private T Invoke<TState, T>(TState state, Func<TState, T> call)
    {
        Debug.Assert(!OnLoop, "the loop would wait for itself");
        var invocation = new LoopInvocation<TState, T>(state, call);
        _loop.Enqueue(static s => ((LoopInvocation<TState, T>)s!).Run(), invocation);
        return invocation.Wait();
    }

    /// <summary>A call made off the loop, run on it; the caller blocks until it is done.</summary>
    private sealed class LoopInvocation<TState, T>(TState state, Func<TState, T> call)
    {
        private readonly object _gate = new();
        private bool _done;
        private T? _result;
        private ExceptionDispatchInfo? _error;

        public void Run()
        {
            try
            {
                _result = call(state);
            }
#pragma warning disable CA1031 // Rethrown on the calling thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _error = ExceptionDispatchInfo.Capture(e);
            }

            lock (_gate)
            {
                _done = true;
                Monitor.PulseAll(_gate);
            }
        }

        public T Wait()
        {
            lock (_gate)
            {
                while (!_done)
                {
                    Monitor.Wait(_gate);
                }
            }

            _error?.Throw();
            return _result!;
        }
    }
}
