using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.LoadGen.Transport;

/// <summary>
/// Minimal TCP forwarders (the "plain TCP hop" of performance.md): accept, connect the upstream, copy both ways.
/// On epoll the upstream is opened on the downstream's loop, so both copies run on one thread.
/// </summary>
public static class ProxyServers
{
    public static Task<IAsyncDisposable> StartEpollAsync(int loops, IPEndPoint endPoint, IPEndPoint upstream, Action<int> ready)
    {
        var transport = new EpollTransport(loops);
        IConnectionListener listener = transport.Bind(endPoint, ConnectionOptions.Default);
        ready(listener.EndPoint.Port);
        _ = Task.Run(async () =>
        {
            while (await listener.AcceptAsync().ConfigureAwait(false) is { } downstream)
            {
                downstream.Loop.Schedule(static state =>
                {
                    var (t, d, u) = ((EpollTransport, TransportConnection, IPEndPoint))state!;
                    _ = ForwardAsync(t, d, u);
                }, (transport, downstream, upstream));
            }
        });
        return Task.FromResult<IAsyncDisposable>(transport);
    }

    public static Task<IAsyncDisposable> StartSocketsAsync(IPEndPoint endPoint, IPEndPoint upstream, Action<int> ready)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(endPoint);
        listener.Listen(512);
        ready(((IPEndPoint)listener.LocalEndPoint!).Port);
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket downstream;
                try
                {
                    downstream = await listener.AcceptAsync().ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                _ = ForwardAsync(downstream, upstream);
            }
        });
        return Task.FromResult<IAsyncDisposable>(new SocketHolder(listener));
    }

    private static async Task ForwardAsync(EpollTransport transport, TransportConnection downstream, IPEndPoint upstreamEndPoint)
    {
        TransportConnection upstream = await transport.ConnectAsync(upstreamEndPoint, downstream.Loop, ConnectionOptions.Default, CancellationToken.None).ConfigureAwait(false);
        await Task.WhenAll(CopyAsync(downstream.Input, upstream.Output), CopyAsync(upstream.Input, downstream.Output)).ConfigureAwait(false);
        await upstream.DisposeAsync().ConfigureAwait(false);
        await downstream.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task ForwardAsync(Socket downstreamSocket, IPEndPoint upstreamEndPoint)
    {
        downstreamSocket.NoDelay = true;
        var upstreamSocket = new Socket(upstreamEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await upstreamSocket.ConnectAsync(upstreamEndPoint).ConfigureAwait(false);
        var (downstream, downDone) = SocketPipeConnection.Start(downstreamSocket);
        var (upstream, upDone) = SocketPipeConnection.Start(upstreamSocket);
        await Task.WhenAll(CopyAsync(downstream.Input, upstream.Output), CopyAsync(upstream.Input, downstream.Output)).ConfigureAwait(false);
        await Task.WhenAll(downDone, upDone).ConfigureAwait(false);
        downstreamSocket.Dispose();
        upstreamSocket.Dispose();
    }

    private static async Task CopyAsync(PipeReader from, PipeWriter to)
    {
        try
        {
            while (true)
            {
                ReadResult result = await from.ReadAsync().ConfigureAwait(false);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    to.Write(segment.Span);
                }

                from.AdvanceTo(result.Buffer.End);
                FlushResult flush = await to.FlushAsync().ConfigureAwait(false);
                if (result.IsCompleted || flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
        }

        await to.CompleteAsync().ConfigureAwait(false);
        await from.CompleteAsync().ConfigureAwait(false);
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
