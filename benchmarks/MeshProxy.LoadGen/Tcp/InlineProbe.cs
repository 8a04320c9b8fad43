using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MeshProxy.LoadGen.Tcp;

/// <summary>
/// In-process check of the socket engine's threading: a loopback ping-pong in this process, recording on which
/// threads socket continuations run and how many context switches the process makes per round trip.
/// </summary>
internal static class InlineProbe
{
    public static async Task RunAsync(int roundTrips, bool enableLate)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await accept;
        server.NoDelay = true;
        if (enableLate)
        {
            // Too late: the engine started with the first asynchronous operation above.
            MeshProxy.Core.Transport.Sockets.SocketRuntime.EnableInlineCompletions(null);
        }

        var threads = new ConcurrentDictionary<string, int>();
        var echo = Task.Run(async () =>
        {
            var buffer = new byte[64];
            while (true)
            {
                var n = await server.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                await server.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        });

        var message = new byte[64];
        var reply = new byte[64];
        var before = ProcessSample.Read(Environment.ProcessId);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < roundTrips; i++)
        {
            await client.SendAsync(message, SocketFlags.None);
            var got = 0;
            while (got < reply.Length)
            {
                got += await client.ReceiveAsync(reply.AsMemory(got), SocketFlags.None);
            }

            var thread = Thread.CurrentThread;
            var label = thread.IsThreadPoolThread ? "thread pool" : $"'{thread.Name}'";
            threads.AddOrUpdate(label, 1, static (_, c) => c + 1);
        }

        var elapsed = watch.Elapsed;
        var delta = ProcessSample.Read(Environment.ProcessId) - before;
        client.Shutdown(SocketShutdown.Send);
        await echo;
        Console.WriteLine($"{roundTrips} round trips in {elapsed.TotalMilliseconds:F0} ms: {elapsed.TotalMicroseconds / roundTrips:F1} us each, " +
                          $"CPU {delta.CpuSeconds * 1e6 / roundTrips:F1} us, context switches {(double)delta.ContextSwitches / roundTrips:F3} per round trip");
        Console.WriteLine("client continuations ran on: " + string.Join(", ", threads.Select(p => $"{p.Key} x{p.Value}")));
    }
}
