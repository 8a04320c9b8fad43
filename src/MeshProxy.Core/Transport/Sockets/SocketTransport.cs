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

            EnableReuseAddress(socket);
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

    /// <summary>
    /// Plain SO_REUSEADDR: rebind at once after a restart despite connections in TIME_WAIT. Not
    /// <see cref="SocketOptionName.ReuseAddress"/>: on Linux .NET also sets SO_REUSEPORT with it (checked with
    /// getsockopt), which lets a second process bind the same port silently and take half the connections.
    /// </summary>
    public static void EnableReuseAddress(Socket socket)
    {
        Span<byte> one = [1, 0, 0, 0];
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, one);
        }
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            socket.SetRawSocketOption(0xffff /* SOL_SOCKET */, 4 /* SO_REUSEADDR */, one);
        }

        // Windows: SO_REUSEADDR there allows taking over a bound port; leave it off.
    }

    internal IEventLoop NextLoop()
    {
        var index = (uint)Interlocked.Increment(ref _nextLoop) % (uint)_loops.Length;
        return _loops[index];
    }
}
