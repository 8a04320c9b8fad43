using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.LoadGen.Transport;

/// <summary>The two echo servers compared: our epoll transport with pipes, and runtime sockets.</summary>
public static class EchoServers
{
    /// <summary>Echo on <see cref="EpollTransport"/>: accept, then the whole echo runs on the connection's loop.</summary>
    public static async Task<IAsyncDisposable> StartEpollAsync(int loops, IPEndPoint endPoint, Action<int> ready)
    {
        var transport = new EpollTransport(loops);
        IConnectionListener listener = transport.Bind(endPoint, ConnectionOptions.Default);
        ready(listener.EndPoint.Port);
        _ = Task.Run(async () =>
        {
            while (await listener.AcceptAsync().ConfigureAwait(false) is { } connection)
            {
                connection.Loop.Schedule(static c => _ = EchoAsync((TransportConnection)c!), connection);
            }
        });
        await Task.Yield();
        return transport;
    }

    /// <summary>Echo on runtime sockets (SocketAsyncEventArgs-backed ValueTask receive/send); run it with
    /// DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 for the fair comparison.</summary>
    public static async Task<IAsyncDisposable> StartSocketsAsync(IPEndPoint endPoint, Action<int> ready, bool pipes)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(endPoint);
        listener.Listen(512);
        ready(((IPEndPoint)listener.LocalEndPoint!).Port);
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptAsync().ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                socket.NoDelay = true;
                _ = pipes ? SocketPipeConnection.EchoAsync(socket) : EchoAsync(socket);
            }
        });
        await Task.Yield();
        return new SocketHolder(listener);
    }

    private static async Task EchoAsync(TransportConnection connection)
    {
        try
        {
            while (true)
            {
                ReadResult result = await connection.Input.ReadAsync().ConfigureAwait(false);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    await connection.Output.WriteAsync(segment).ConfigureAwait(false);
                }

                connection.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (SocketException)
        {
        }

        socket.Dispose();
    }

    private sealed class SocketHolder(Socket socket) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
