using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MeshProxy.LoadGen.Tcp;

/// <summary>
/// Keep-alive ping-pong: each connection sends a message and waits for the whole echo before the next. Reports
/// requests per second, latency percentiles, and (given a pid) that process's CPU and context switches per request.
/// </summary>
internal static class PingPongClient
{
    public static async Task RunAsync(IPEndPoint target, int connections, int size, TimeSpan warmup, TimeSpan duration, int? measurePid)
    {
        using var stop = new CancellationTokenSource();
        var counts = new long[connections];
        var latencies = new List<long>[connections];
        var measuring = 0;
        var sockets = new Socket[connections];
        for (var i = 0; i < connections; i++)
        {
            sockets[i] = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await sockets[i].ConnectAsync(target);
            latencies[i] = new List<long>(1 << 16);
        }

        var workers = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            var socket = sockets[i];
            var send = new byte[size];
            var receive = new byte[size];
            Random.Shared.NextBytes(send);
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await socket.SendAsync(send, SocketFlags.None);
                var got = 0;
                while (got < size)
                {
                    var n = await socket.ReceiveAsync(receive.AsMemory(got), SocketFlags.None);
                    if (n == 0)
                    {
                        throw new IOException("server closed the connection");
                    }

                    got += n;
                }

                if (Volatile.Read(ref measuring) == 1)
                {
                    counts[i]++;
                    latencies[i].Add(Stopwatch.GetTimestamp() - started);
                }
            }
        })).ToArray();

        await Task.Delay(warmup);
        var before = measurePid is { } pid ? ProcessSample.Read(pid) : default;
        var watch = Stopwatch.StartNew();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, 0);
        var elapsed = watch.Elapsed.TotalSeconds;
        var after = measurePid is { } pid2 ? ProcessSample.Read(pid2) : default;
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        var total = counts.Sum();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[(int)Math.Min(all.Length - 1, p * all.Length)] * 1e6 / Stopwatch.Frequency;
        Console.WriteLine($"requests {total} in {elapsed:F2} s = {total / elapsed:F0} req/s; p50 {Percentile(0.50):F0} us, p99 {Percentile(0.99):F0} us");
        if (measurePid is not null && total > 0)
        {
            var delta = after - before;
            Console.WriteLine($"pid {measurePid}: CPU {delta.CpuSeconds * 1e6 / total:F1} us/request ({delta.CpuSeconds / elapsed * 100:F0}% of a core), " +
                              $"context switches {(double)delta.ContextSwitches / total:F3}/request");
        }
    }
}
