using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using MeshProxy.Core.Threading;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// A TCP connection on one <see cref="EpollLoop"/>. Two loops run on the loop thread for its whole life: receive
/// (read into the Input pipe until EAGAIN or back-pressure) and send (drain the Output pipe with send/sendmsg, wait
/// for EPOLLOUT on EAGAIN). The fd is registered once, edge-triggered, for IN|OUT|RDHUP: no epoll_ctl per event or
/// per pause. All state below is touched on the loop thread only, except what the public members marshal there.
/// </summary>
internal sealed class EpollConnection : TransportConnection, IEpollHandle
{
    public const int MaxSendSegments = 16;

    /// <summary>Registered once: edge-triggered readiness for both directions and the peer's half-close.</summary>
    internal const uint Events = Native.EPOLLIN | Native.EPOLLOUT | Native.EPOLLRDHUP | Native.EPOLLET;

    private const int MinimumReadSize = 2048;

    private readonly EpollLoop _loop;
    private readonly int _fd;
    // The ends of this connection's lease of its two pipes, never the pipes: once both ends of a pipe are complete
    // the loop recycles it for another connection, and these ends then refuse to touch it (LoopPipe.Rent).
    private readonly PipeReader _inputReader;
    private readonly PipeWriter _inputWriter;
    private readonly PipeReader _outputReader;
    private readonly PipeWriter _outputWriter;
    private readonly EpollAwaitable _readable = new();
    private readonly EpollAwaitable _writable = new();
    // Completed by SignalClosed from a work item of its own on the loop, so whatever awaited the close (the end of a
    // proxied connection: stats, the other side's dispose, the listener's count) continues there, inline and outside
    // the close path. RunContinuationsAsynchronously sent it to the thread pool instead: two hops per connection,
    // 2.8-5.7 context switches per request under connection churn.
    private readonly TaskCompletionSource _closed = new();
    private readonly IPEndPoint _remote;
    private IPEndPoint? _local;
    private TaskCompletionSource<TransportConnection>? _connect;
    private CancellationTokenRegistration _connectCancellation;
    private bool _receiveDone;
    private bool _sendDone;
    private bool _stopReceive;
    private bool _stopSend;
    private bool _fdClosed;
    private bool _aborted;
    private bool _readHangup;
    private Exception? _receiveError;
    private Exception? _sendError;
    private volatile bool _wasReset;

    private EpollConnection(EpollLoop loop, int fd, ConnectionOptions options, IPEndPoint? local, IPEndPoint remote)
    {
        _loop = loop;
        _fd = fd;
        _local = local;
        _remote = remote;
        // Both pipes belong to the loop: no lock on their hot path (LoopPipe's remarks say who may call what from where).
        LoopPipe input = LoopPipe.Rent(loop, options.BufferLimitBytes, options.ResumeThreshold);
        LoopPipe output = LoopPipe.Rent(loop, options.BufferLimitBytes, options.ResumeThreshold);
        _inputReader = input.Reader;
        _inputWriter = input.Writer;
        _outputReader = output.Reader;
        _outputWriter = output.Writer;
    }

    public override PipeReader Input => _inputReader;

    public override PipeWriter Output => _outputWriter;

    public override EndPoint LocalEndPoint => _local ?? new IPEndPoint(IPAddress.Any, 0);

    public override EndPoint RemoteEndPoint => _remote;

    public override IEventLoop Loop => _loop;

    public override Task Closed => _closed.Task;

    private long _bytesReceived;
    private long _bytesSent;

    public override bool WasReset => _wasReset;

    // Written only by the loop thread (plain adds), read from anywhere.
    public override long BytesReceived => Volatile.Read(ref _bytesReceived);

    public override long BytesSent => Volatile.Read(ref _bytesSent);

    public ulong Token { get; set; }

    /// <summary>Asked on the loop thread (listener filters run there), so the fd is still open.</summary>
    internal override IPEndPoint? QueryOriginalDestination() =>
        _fdClosed ? null : OriginalDestinationQuery.Query(_fd, _remote.AddressFamily);

    /// <summary>Wraps an accepted fd and starts its I/O. Loop thread only. Returns null (fd closed) if it cannot be registered.</summary>
    internal static EpollConnection? Accepted(EpollLoop loop, int fd, IPEndPoint remote, ConnectionOptions options)
    {
        _ = Native.SetInt(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, 1);
        IPEndPoint local;
        try
        {
            local = SocketAddressCodec.GetLocal(fd);
        }
        catch (System.Net.Sockets.SocketException)
        {
            _ = Native.Close(fd);
            return null;
        }

        var connection = new EpollConnection(loop, fd, options, local, remote);
        if (loop.Register(connection, fd, Events) < 0)
        {
            _ = Native.Close(fd);
            return null;
        }

        connection.Start();
        return connection;
    }

    /// <summary>Non-blocking connect registered on <paramref name="loop"/>; completes on the loop thread.</summary>
    internal static unsafe ValueTask<TransportConnection> ConnectAsync(EpollLoop loop, IPEndPoint remote, ConnectionOptions options, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TransportConnection>(cancellationToken);
        }

        int family = remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Native.AF_INET6 : Native.AF_INET;
        int fd = Native.Socket(family, Native.SOCK_STREAM | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return ValueTask.FromException<TransportConnection>(SocketErrors.Exception(Native.Errno));
        }

        _ = Native.SetInt(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, 1);
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        int length = SocketAddressCodec.Write(remote, new Span<byte>(address, SocketAddressCodec.MaxSize));
        if (Native.Connect(fd, address, (uint)length) != 0)
        {
            int errno = Native.Errno;
            if (errno != Native.EINPROGRESS && errno != Native.EINTR)
            {
                _ = Native.Close(fd);
                return ValueTask.FromException<TransportConnection>(SocketErrors.Exception(errno));
            }
        }

        var connection = new EpollConnection(loop, fd, options, null, remote)
        {
            // Continuations run synchronously: an awaiter on the loop thread resumes right there, on the loop.
            _connect = new TaskCompletionSource<TransportConnection>(),
        };
        Task<TransportConnection> task = connection._connect.Task;
        int rc = loop.Register(connection, fd, Events);
        if (rc < 0)
        {
            _ = Native.Close(fd);
            return ValueTask.FromException<TransportConnection>(SocketErrors.Exception(-rc));
        }

        // Registered after epoll_ctl so a cancellation can only ever close a registered fd, on the loop. If the
        // connect completes first, the late registration just finds nothing left to cancel.
        if (cancellationToken.CanBeCanceled)
        {
            connection._connectCancellation = cancellationToken.UnsafeRegister(
                static state => ((EpollConnection)state!)._loop.Enqueue(
                    static s => ((EpollConnection)s!).CancelConnect(), state),
                connection);
        }

        return new ValueTask<TransportConnection>(task);
    }

    public override void Abort(string reason)
    {
        if (_loop.IsOnLoopThread)
        {
            AbortCore(reason);
        }
        else
        {
            _loop.Enqueue(static s =>
            {
                var (connection, why) = ((EpollConnection, string))s!;
                connection.AbortCore(why);
            }, (this, reason));
        }
    }

    /// <summary>Completes the application's sides of both pipes (Output is flushed, then FIN), stops reading and
    /// waits until the socket is closed.</summary>
    // Pooled: every caller awaits (or AsTask()s) its own call once; a second DisposeAsync is a second call.
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    public override async ValueTask DisposeAsync()
    {
        await _outputWriter.CompleteAsync().ConfigureAwait(false);
        await _inputReader.CompleteAsync().ConfigureAwait(false);
        _loop.Enqueue(static s => ((EpollConnection)s!).StopReceiving(), this);
        await _closed.Task.ConfigureAwait(false);
    }

    public void OnEvents(uint events)
    {
        if (_connect is not null)
        {
            if ((events & (Native.EPOLLOUT | Native.EPOLLERR | Native.EPOLLHUP)) == 0)
            {
                return;
            }

            CompleteConnect();
            if (_fdClosed)
            {
                return;
            }

            // Fall through: a peer that speaks first (a greeting, a banner) can have its bytes in the same event as
            // the connect's EPOLLOUT. With edge triggering that EPOLLIN edge is reported only here.
        }

        if ((events & (Native.EPOLLRDHUP | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            // Sticky: the edge is reported once, and a short read before the FIN/error does not mean "drained".
            _readHangup = true;
        }

        if ((events & (Native.EPOLLIN | Native.EPOLLRDHUP | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            _readable.Signal();
        }

        if ((events & (Native.EPOLLOUT | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
        {
            _writable.Signal();
        }
    }

    public void OnLoopStopped()
    {
        if (_connect is { } connect)
        {
            _connect = null;
            _connectCancellation.Dispose();
            CloseFd();
            connect.TrySetException(new ObjectDisposedException(nameof(EpollTransport)));
            SignalClosedOffLoop();
            return;
        }

        var error = new ObjectDisposedException(nameof(EpollTransport));
        _receiveError ??= error;
        _sendError ??= error;
        StopAll();
        if (!_fdClosed)
        {
            CloseFd();
            SignalClosedOffLoop();
        }
    }

    private void SignalClosed() => _loop.Enqueue(static s => ((EpollConnection)s!)._closed.TrySetResult(), this);

    // The loop is stopping and will not run its queue again: waiters continue on the thread pool.
    private void SignalClosedOffLoop() =>
        ThreadPool.UnsafeQueueUserWorkItem(static c => c._closed.TrySetResult(), this, preferLocal: false);

    // Nobody awaits the two loops (the connection's end is Closed), so they return DetachedTask: their boxes are
    // reused per loop thread, and an exception escaping one (a bug: each catches what ends it) is not lost.
    private void Start()
    {
        _ = ReceiveLoopAsync();
        _ = SendLoopAsync();
    }

    private void CompleteConnect()
    {
        TaskCompletionSource<TransportConnection> connect = _connect!;
        _connect = null;
        _connectCancellation.Dispose();
        int error = Native.GetSocketError(_fd);
        if (error == 0)
        {
            try
            {
                _local = SocketAddressCodec.GetLocal(_fd);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                CloseFd();
                SignalClosed();
                connect.TrySetException(ex);
                return;
            }

            Start();
            connect.TrySetResult(this);
            return;
        }

        CloseFd();
        SignalClosed();
        connect.TrySetException(SocketErrors.Exception(error));
    }

    private void CancelConnect()
    {
        if (_connect is not { } connect)
        {
            return;
        }

        _connect = null;
        CloseFd();
        SignalClosed();
        CancellationToken token = _connectCancellation.Token;
        _connectCancellation.Dispose();
        connect.TrySetCanceled(token);
    }

    private async DetachedTask ReceiveLoopAsync()
    {
        PipeWriter writer = _inputWriter;
        Exception? error = null;
        try
        {
            // Wait for readiness before taking a buffer, so an idle connection holds no pool block. EPOLL_CTL_ADD
            // reports data that is already queued, so the first wait cannot miss it.
            bool mayHaveData = false;
            while (!_stopReceive)
            {
                if (!mayHaveData)
                {
                    await _readable;
                    mayHaveData = true;
                    continue;
                }

                Memory<byte> memory = writer.GetMemory(MinimumReadSize);
                _readable.Reset();
                nint n = Read(memory);
                if (n > 0)
                {
                    writer.Advance((int)n);
                    Volatile.Write(ref _bytesReceived, _bytesReceived + n);
                    ValueTask<FlushResult> flush = writer.FlushAsync();
                    FlushResult result = flush.IsCompletedSuccessfully ? flush.Result : await flush.ConfigureAwait(false);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }

                    // A short read drained the socket: with edge triggering the next arrival brings a new event.
                    // Not so after a FIN or error was signalled: that edge is gone, the next read reports it.
                    mayHaveData = n == memory.Length || _readHangup;
                }
                else if (n == 0)
                {
                    break;
                }
                else if (n == -Native.EAGAIN)
                {
                    mayHaveData = false;
                }
                else if (n != -Native.EINTR)
                {
                    error = OnSocketError((int)-n);
                    break;
                }
            }
        }
#pragma warning disable CA1031 // Whatever ends the loop is handed to the application through the pipe.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = ex;
        }

        if (_stopReceive)
        {
            error ??= _receiveError;
        }

        await writer.CompleteAsync(error).ConfigureAwait(false);
        _receiveDone = true;
        TryClose();
    }

    private async DetachedTask SendLoopAsync()
    {
        PipeReader reader = _outputReader;
        Exception? error = null;
        bool finished = false;
        try
        {
            while (!_stopSend)
            {
                ValueTask<ReadResult> read = reader.ReadAsync();
                ReadResult result = read.IsCompletedSuccessfully ? read.Result : await read.ConfigureAwait(false);
                if (result.IsCanceled || _stopSend)
                {
                    break;
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                bool blocked = false;
                while (!buffer.IsEmpty)
                {
                    _writable.Reset();
                    nint n = Send(buffer);
                    if (n >= 0)
                    {
                        buffer = buffer.Slice(n);
                        Volatile.Write(ref _bytesSent, _bytesSent + n);
                    }
                    else if (n == -Native.EAGAIN)
                    {
                        blocked = true;
                        break;
                    }
                    else if (n != -Native.EINTR)
                    {
                        error = OnSocketError((int)-n);
                        break;
                    }
                }

                if (error is not null)
                {
                    break;
                }

                if (blocked)
                {
                    // Consumed what was sent; the rest is read again (immediately) once the socket is writable.
                    reader.AdvanceTo(buffer.Start);
                    await _writable;
                    continue;
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    finished = true;
                    break;
                }
            }
        }
#pragma warning disable CA1031 // Whatever ends the loop is handed to the application through the pipe.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (!_stopSend)
            {
                // The application completed Output with an error: end the connection with a reset, as a proxy should.
                error = ex;
                AbortCore("output completed with an error: " + ex.Message);
            }

            // Already stopping (an abort, a reset, the loop's end): the stop's error below is the one to report.
            // Letting this escape skipped the close, so the fd and Closed were never released.
        }

        if (finished && !_stopSend)
        {
            _ = Native.Shutdown(_fd, Native.SHUT_WR);
        }

        if (_stopSend)
        {
            error ??= _sendError;
        }

        await reader.CompleteAsync(error).ConfigureAwait(false);
        _sendDone = true;
        TryClose();
    }

    private unsafe nint Read(Memory<byte> memory)
    {
        fixed (byte* buffer = memory.Span)
        {
            return Native.Read(_fd, buffer, memory.Length);
        }
    }

    private unsafe nint Send(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            ReadOnlySpan<byte> span = buffer.FirstSpan;
            fixed (byte* pointer = span)
            {
                return Native.Send(_fd, pointer, span.Length);
            }
        }

        MemoryHandle[] handles = _loop.SendHandles;
        Native.IoVector* vectors = stackalloc Native.IoVector[MaxSendSegments];
        int count = 0;
        try
        {
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                if (segment.IsEmpty)
                {
                    continue;
                }

                if (count == MaxSendSegments)
                {
                    break;
                }

                handles[count] = segment.Pin();
                vectors[count].Base = handles[count].Pointer;
                vectors[count].Length = (nuint)segment.Length;
                count++;
            }

            return Native.SendVector(_fd, vectors, count);
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                handles[i].Dispose();
                handles[i] = default;
            }
        }
    }

    /// <summary>A read or send failed: a reset (or EPIPE after one) ends both directions with the same error.</summary>
    private IOException OnSocketError(int errno)
    {
        IOException error;
        if (errno is Native.ECONNRESET or Native.EPIPE)
        {
            _wasReset = true;
            error = SocketErrors.Reset();
        }
        else
        {
            error = new IOException("Socket error.", SocketErrors.Exception(errno));
        }

        _receiveError ??= error;
        _sendError ??= error;
        _loop.Enqueue(static s => ((EpollConnection)s!).StopAll(), this);
        return error;
    }

    private void AbortCore(string reason)
    {
        if (_fdClosed || _aborted)
        {
            return;
        }

        _aborted = true;
        _wasReset = true;
        IOException error = SocketErrors.Aborted(reason);
        _receiveError ??= error;
        _sendError ??= error;
        Native.SetLingerZero(_fd);
        StopAll();
    }

    private void StopReceiving()
    {
        if (_receiveDone)
        {
            return;
        }

        _stopReceive = true;
        _readable.Signal();
        _inputWriter.CancelPendingFlush();
    }

    private void StopAll()
    {
        StopReceiving();
        if (!_sendDone)
        {
            _stopSend = true;
            _writable.Signal();
            _outputReader.CancelPendingRead();
        }
    }

    private void TryClose()
    {
        if (_receiveDone && _sendDone && !_fdClosed)
        {
            CloseFd();
            SignalClosed();
        }
    }

    private void CloseFd()
    {
        _fdClosed = true;
        _loop.Release(this);
        _ = Native.Close(_fd);
    }
}
