using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace MeshProxy.Core.Transport.Sockets;

/// <summary>
/// One socket as two pipes. A receive loop fills <see cref="Input"/> and a send loop drains <see cref="Output"/>; both
/// pipes pause their writer at <see cref="ConnectionOptions.BufferLimitBytes"/>, so a consumer that stops reading stops
/// our receive calls (the peer's sends then block in TCP flow control) and a peer that stops reading makes the
/// producer's FlushAsync wait. Continuations run on the loop's scheduler (inline): nothing here blocks.
/// </summary>
internal sealed class SocketConnection : TransportConnection
{
    // Room asked of the pipe before each receive; with the pool's 16 KiB segments a receive takes up to one segment.
    private const int ReceiveSizeHint = 4096;
    private const int MinimumSegmentSize = 16 * 1024;

    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly bool _waitForData;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _sendLoop = Task.CompletedTask;
    private long _bytesReceived;
    private long _bytesSent;
    private volatile bool _wasReset;
    private volatile string? _abortReason;
    private int _loopsRunning = 2;
    private int _socketClosed;

    private SocketConnection(Socket socket, IEventLoop loop, ConnectionOptions options, bool waitForData)
    {
        _socket = socket;
        _waitForData = waitForData;
        Loop = loop;
        LocalEndPoint = socket.LocalEndPoint!;
        RemoteEndPoint = socket.RemoteEndPoint!;
        var pause = Math.Max(0, options.BufferLimitBytes);
        var resume = pause == 0 ? 0 : Math.Clamp(options.ResumeThreshold, 1, pause);
        var pipeOptions = new PipeOptions(
            pool: MemoryPool<byte>.Shared,
            readerScheduler: loop.Scheduler,
            writerScheduler: loop.Scheduler,
            pauseWriterThreshold: pause,
            resumeWriterThreshold: resume,
            minimumSegmentSize: MinimumSegmentSize,
            useSynchronizationContext: false);
        _input = new Pipe(pipeOptions);
        _output = new Pipe(pipeOptions);
    }

    public override PipeReader Input => _input.Reader;

    public override PipeWriter Output => _output.Writer;

    public override EndPoint LocalEndPoint { get; }

    public override EndPoint RemoteEndPoint { get; }

    public override IEventLoop Loop { get; }

    public override Task Closed => _closed.Task;

    public override bool WasReset => _wasReset;

    public override long BytesReceived => Volatile.Read(ref _bytesReceived);

    public override long BytesSent => Volatile.Read(ref _bytesSent);

    internal override IPEndPoint? QueryOriginalDestination()
    {
        try
        {
            // Socket.Handle rather than GetRawSocketOption: a connection that was not redirected answers ENOENT,
            // and the raw call reports that as a return value instead of a SocketException per connection.
            return OriginalDestinationQuery.Query(_socket.Handle, ((IPEndPoint)RemoteEndPoint).AddressFamily);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    public static SocketConnection Start(Socket socket, IEventLoop loop, ConnectionOptions options, bool waitForData)
    {
        var connection = new SocketConnection(socket, loop, options, waitForData);
        _ = connection.ReceiveLoopAsync();
        connection._sendLoop = connection.SendLoopAsync();
        return connection;
    }

    public override void Abort(string reason)
    {
        if (Interlocked.Exchange(ref _socketClosed, 1) != 0)
        {
            return;
        }

        // Set before closing so the loops, woken by the close, report an abort rather than a clean end.
        _abortReason = reason;
        _wasReset = true;
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already dead; the close below still releases it.
        }
        catch (ObjectDisposedException)
        {
            // Nothing left to reset.
        }

        _socket.Dispose();
        _output.Reader.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        // Our side is done: flush what is buffered and send FIN, then close without waiting for the peer's FIN.
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        await _sendLoop.ConfigureAwait(false);
        CloseSocket();
        await _closed.Task.ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                if (_waitForData)
                {
                    // Completes when data (or FIN) is there; idle connections hold no receive buffer meanwhile.
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                }

                var memory = writer.GetMemory(ReceiveSizeHint);
                var received = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    break; // FIN: the peer has no more to send.
                }

                writer.Advance(received);
                Volatile.Write(ref _bytesReceived, _bytesReceived + received);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break; // The consumer stopped reading.
                }
            }
        }
        catch (Exception e)
        {
            error = Classify(e);
        }
        finally
        {
            await writer.CompleteAsync(error).ConfigureAwait(false);
            if (error is not null)
            {
                // The connection is dead both ways: do not leave the send loop waiting for the producer.
                _output.Reader.CancelPendingRead();
            }

            LoopDone();
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        Exception? error = null;
        var producerDone = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break; // Aborted, or the receive side failed.
                }

                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    // Stream sockets send the whole buffer before completing. One call per segment keeps this simple;
                    // a gather send (sendmsg with an iovec) would save calls for multi-segment buffers.
                    foreach (var segment in buffer)
                    {
                        await _socket.SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
                    }

                    Volatile.Write(ref _bytesSent, _bytesSent + buffer.Length);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    producerDone = true;
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = Classify(e);
        }
        finally
        {
            if (producerDone)
            {
                Shutdown();
            }

            await reader.CompleteAsync(error).ConfigureAwait(false);
            if (error is not null && !_wasReset)
            {
                // The producer completed Output with an error, or the send failed: nothing sensible is left to do.
                Abort(error.Message);
            }

            LoopDone();
        }
    }

    private Exception? Classify(Exception e)
    {
        if (_abortReason is { } reason)
        {
            return new ConnectionResetException("Connection aborted: " + reason, e);
        }

        switch (e)
        {
            case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown }:
                _wasReset = true;
                return new ConnectionResetException("Connection reset by peer", e);
            case SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted }:
            case ObjectDisposedException:
                // We closed the socket ourselves after both directions were done (DisposeAsync): a clean end.
                return null;
            default:
                return e;
        }
    }

    private void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The peer is already gone; the receive side reports how.
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile.
        }
    }

    private void LoopDone()
    {
        if (Interlocked.Decrement(ref _loopsRunning) == 0)
        {
            CloseSocket();
            _closed.TrySetResult();
        }
    }

    private void CloseSocket()
    {
        if (Interlocked.Exchange(ref _socketClosed, 1) == 0)
        {
            _socket.Dispose();
        }
    }
}
