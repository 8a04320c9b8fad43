using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MeshProxy.Tests.Support;

/// <summary>A real upstream on loopback: accepts and runs a handler per connection. Disposing closes everything.</summary>
internal sealed class TestUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, Task> _handler;
    private readonly ConcurrentBag<Socket> _accepted = [];
    private readonly ConcurrentBag<Task> _handlers = [];
    private readonly Task _acceptLoop;
    private int _acceptedCount;

    public TestUpstream(Func<Socket, Task> handler, IPAddress? address = null, int port = 0)
    {
        _handler = handler;
        address ??= IPAddress.Loopback;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, port));
        _listener.Listen(1024);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int AcceptedCount => Volatile.Read(ref _acceptedCount);

    /// <summary>Echoes until EOF, then half-closes.</summary>
    public static TestUpstream Echo(IPAddress? address = null, int port = 0) => new(async socket =>
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        }

        socket.Shutdown(SocketShutdown.Send);
    }, address, port);

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
        foreach (var socket in _accepted)
        {
            socket.Dispose();
        }

        try
        {
            await Task.WhenAll(_handlers).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or TimeoutException or IOException)
        {
            // Handlers die with their sockets; the test already asserted what it needed.
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            Interlocked.Increment(ref _acceptedCount);
            _accepted.Add(socket);
            _handlers.Add(Task.Run(() => _handler(socket)));
        }
    }
}
