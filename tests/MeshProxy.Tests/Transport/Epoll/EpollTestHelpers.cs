using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.Tests.Transport.Epoll;

internal static class EpollTestHelpers
{
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="work"/> on <paramref name="loop"/> and returns its completion.</summary>
    public static Task<T> RunOnLoop<T>(IEventLoop loop, Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        loop.Schedule(_ => _ = Run(), null);
        return done.Task;

        async Task Run()
        {
            try
            {
                done.TrySetResult(await work());
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        }
    }

    public static Task RunOnLoop(IEventLoop loop, Func<Task> work) => RunOnLoop(loop, async () =>
    {
        await work();
        return true;
    });

    /// <summary>Echoes until the peer half-closes, then half-closes too.</summary>
    public static async Task EchoAsync(TransportConnection connection)
    {
        while (true)
        {
            ReadResult result = await connection.Input.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                await connection.Output.WriteAsync(segment);
            }

            connection.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        await connection.Output.CompleteAsync();
        await connection.Input.CompleteAsync();
    }

    /// <summary>Accepts forever, running <paramref name="handler"/> for each connection on its own loop.</summary>
    public static Task ServeAsync(IConnectionListener listener, Func<TransportConnection, Task> handler) => Task.Run(async () =>
    {
        while (await listener.AcceptAsync() is { } connection)
        {
            connection.Loop.Schedule(_ => _ = handler(connection), null);
        }
    });

    public static async Task<Socket> ConnectClientAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    public static IPEndPoint Loopback(AddressFamily family) =>
        new(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);

    public static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static async Task<int> ReadExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>Bytes the application has not consumed yet, without consuming them.</summary>
    public static long PeekBuffered(PipeReader reader)
    {
        if (!reader.TryRead(out ReadResult result))
        {
            return 0;
        }

        long length = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.Start);
        return length;
    }

    public static long CopyLength(ReadOnlySequence<byte> buffer) => buffer.Length;

    internal static EpollLoop AsEpoll(IEventLoop loop) => (EpollLoop)loop;
}
