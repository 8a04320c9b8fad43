using System.Net;
using System.Net.Sockets;

namespace MeshProxy.Core.Transport.Sockets;

/// <summary>
/// <see cref="ITransport"/> on System.Net.Sockets and System.IO.Pipelines. Call
/// <see cref="SocketRuntime.EnableInlineCompletions"/> before the first socket is used to get the fast threading model.
/// </summary>
public sealed class SocketTransport : ITransport
{
    private const int ListenBacklog = 4096;

    private readonly SocketEventLoop[] _loops;
    private int _nextLoop = -1;

    /// <param name="loopCount">How many loop labels to spread connections over; defaults to the processor count.</param>
    /// <param name="waitForData">Wait for readability with a zero-byte receive before renting a receive buffer, so
    /// idle connections hold no buffer (costs one extra receive call per read burst).</param>
    public SocketTransport(int? loopCount = null, bool waitForData = true)
    {
        var count = loopCount ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(loopCount));
        _loops = new SocketEventLoop[count];
        for (var i = 0; i < count; i++)
        {
            _loops[i] = new SocketEventLoop(i);
        }

        WaitForData = waitForData;
    }

    public string Name => "sockets";

    public IReadOnlyList<IEventLoop> Loops => _loops;

    internal bool WaitForData { get; }

    public IConnectionListener Bind(IPEndPoint endPoint, ConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // Bind exactly what is configured: [::] must not also take 0.0.0.0.
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(ListenBacklog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new SocketConnectionListener(this, socket, options);
    }

    public async ValueTask<TransportConnection> ConnectAsync(
        IPEndPoint remote, IEventLoop loop, ConnectionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Cancellation aborts the attempt (the runtime closes the socket) and throws OperationCanceledException.
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return SocketConnection.Start(socket, loop, options, WaitForData);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal IEventLoop NextLoop()
    {
        var index = (uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length;
        return _loops[index];
    }
}
