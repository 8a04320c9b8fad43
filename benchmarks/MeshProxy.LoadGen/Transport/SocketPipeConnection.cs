using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace MeshProxy.LoadGen.Transport;

/// <summary>
/// Runtime sockets under System.IO.Pipelines with <see cref="PipeScheduler.Inline"/> (the "sockets + Pipelines,
/// inline completions" row of performance.md): the like-for-like baseline for the epoll transport's pipes.
/// </summary>
internal static class SocketPipeConnection
{
    private static readonly PipeOptions Options = new(
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    /// <summary>Starts the socket's receive and send loops; the application uses the returned duplex pipe.</summary>
    public static (IDuplexPipe Pipe, Task Done) Start(Socket socket)
    {
        var input = new Pipe(Options);
        var output = new Pipe(Options);
        Task receive = ReceiveAsync(socket, input.Writer);
        Task send = SendAsync(socket, output.Reader);
        return (new DuplexPipe(input.Reader, output.Writer), Task.WhenAll(receive, send));
    }

    public static async Task EchoAsync(Socket socket)
    {
        var input = new Pipe(Options);
        var output = new Pipe(Options);
        Task receive = ReceiveAsync(socket, input.Writer);
        Task send = SendAsync(socket, output.Reader);
        while (true)
        {
            ReadResult result = await input.Reader.ReadAsync().ConfigureAwait(false);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                await output.Writer.WriteAsync(segment).ConfigureAwait(false);
            }

            input.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await input.Reader.CompleteAsync().ConfigureAwait(false);
        await output.Writer.CompleteAsync().ConfigureAwait(false);
        await Task.WhenAll(receive, send).ConfigureAwait(false);
        socket.Dispose();
    }

    private static async Task ReceiveAsync(Socket socket, PipeWriter writer)
    {
        try
        {
            while (true)
            {
                Memory<byte> memory = writer.GetMemory(2048);
                int n = await socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                writer.Advance(n);
                FlushResult flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
        }

        await writer.CompleteAsync().ConfigureAwait(false);
    }

    private static async Task SendAsync(Socket socket, PipeReader reader)
    {
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                foreach (ReadOnlyMemory<byte> segment in buffer)
                {
                    await socket.SendAsync(segment, SocketFlags.None).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
        }

        await reader.CompleteAsync().ConfigureAwait(false);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
