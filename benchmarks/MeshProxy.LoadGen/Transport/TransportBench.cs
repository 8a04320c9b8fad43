using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MeshProxy.LoadGen.Transport;

/// <summary>
/// Transport ping-pong (was MeshProxy.PingPong): an echo server (or, with --mode proxy, a TCP forwarder in front of
/// a runtime-sockets echo upstream: the "plain TCP hop" of performance.md) in a child process, N blocking client
/// connections in this process, small messages. Reports the server's CPU µs and context switches per round trip.
/// Transports: epoll (ours, pipes), sockets (runtime sockets, plain receive/send loop), sockets-pipes (runtime sockets
/// under pipes, inline scheduler); the runtime-socket servers run with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1.
/// In proxy mode sockets and sockets-pipes both mean runtime sockets under pipes.
///   transport       [--mode echo|proxy] --transport epoll|sockets|sockets-pipes [--connections 1] [--seconds 10] [--size 64] [--warmup 2] [--pin] [--loops 1]
///   transport-serve [--role echo|proxy --upstream PORT] --transport epoll|sockets|sockets-pipes [--loops 1]   (prints "READY port", exits when stdin closes)
/// --pin puts the server on CPU 1 (taskset) and the client on CPU 0, as in design/performance.md.
/// </summary>
internal static class TransportBench
{
    public static async Task<int> ServeAsync(Dictionary<string, string> options)
    {
        string transport = options.GetValueOrDefault("transport", "epoll");
        string role = options.GetValueOrDefault("role", "echo");
        int loops = int.Parse(options.GetValueOrDefault("loops", "1"), CultureInfo.InvariantCulture);
        var endPoint = new IPEndPoint(IPAddress.Loopback, 0);
        static void Ready(int port) => Console.WriteLine($"READY {port}");
        IAsyncDisposable server;
        if (role == "proxy")
        {
            var upstream = new IPEndPoint(IPAddress.Loopback, int.Parse(options["upstream"], CultureInfo.InvariantCulture));
            server = transport == "epoll"
                ? await ProxyServers.StartEpollAsync(loops, endPoint, upstream, Ready).ConfigureAwait(false)
                : await ProxyServers.StartSocketsAsync(endPoint, upstream, Ready).ConfigureAwait(false);
        }
        else
        {
            server = transport == "epoll"
                ? await EchoServers.StartEpollAsync(loops, endPoint, Ready).ConfigureAwait(false)
                : await EchoServers.StartSocketsAsync(endPoint, Ready, pipes: transport == "sockets-pipes").ConfigureAwait(false);
        }

        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    public static int Run(Dictionary<string, string> options)
    {
        string transport = options.GetValueOrDefault("transport", "epoll");
        int connections = int.Parse(options.GetValueOrDefault("connections", "1"), CultureInfo.InvariantCulture);
        double seconds = double.Parse(options.GetValueOrDefault("seconds", "10"), CultureInfo.InvariantCulture);
        double warmup = double.Parse(options.GetValueOrDefault("warmup", "2"), CultureInfo.InvariantCulture);
        int size = int.Parse(options.GetValueOrDefault("size", "64"), CultureInfo.InvariantCulture);
        bool pin = options.ContainsKey("pin");

        string mode = options.GetValueOrDefault("mode", "echo");
        string loops = options.GetValueOrDefault("loops", "1");
        using Process? upstream = mode == "proxy" ? StartServer(["--role", "echo", "--transport", "sockets"], pin ? "0" : null) : null;
        string? upstreamPort = upstream is null ? null : ReadPort(upstream);
        using Process server = upstreamPort is null
            ? StartServer(["--role", "echo", "--transport", transport, "--loops", loops], pin ? "1" : null)
            : StartServer(["--role", "proxy", "--transport", transport, "--upstream", upstreamPort, "--loops", loops], pin ? "1" : null);
        string? port = ReadPort(server);
        if (port is null)
        {
            return 1;
        }

        if (pin && OperatingSystem.IsLinux())
        {
            Process.GetCurrentProcess().ProcessorAffinity = 1;
        }

        var endPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(port, CultureInfo.InvariantCulture));
        long[] counts = new long[connections];
        bool stop = false;
        var threads = new Thread[connections];
        for (int i = 0; i < connections; i++)
        {
            int index = i;
            threads[i] = new Thread(() => Client(endPoint, size, ref counts[index], ref stop)) { IsBackground = true };
            threads[i].Start();
        }

        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        long start = Sum(counts);
        ProcessSample before = ProcessSample.Read(server.Id);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        ProcessSample after = ProcessSample.Read(server.Id);
        long roundTrips = Sum(counts) - start;
        double elapsed = clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        foreach (Thread thread in threads)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }

        server.StandardInput.Close();
        server.WaitForExit(5000);
        upstream?.StandardInput.Close();
        upstream?.WaitForExit(5000);

        double cpuUs = (after.CpuNanoseconds - before.CpuNanoseconds) / 1000.0;
        double tickUs = (after.CpuTicks - before.CpuTicks) * 10_000.0;
        long switches = after.ContextSwitches - before.ContextSwitches;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mode={mode} transport={transport} loops={loops} connections={connections} size={size} pin={pin} seconds={elapsed:F1} " +
            $"round_trips={roundTrips} rt_per_s={roundTrips / elapsed:F0} " +
            $"server_cpu_us_per_rt={cpuUs / roundTrips:F2} (ticks: {tickUs / roundTrips:F2}) " +
            $"server_ctx_switches_per_rt={switches / (double)roundTrips:F4} server_rss_mb={after.RssKiB / 1024.0:F1}"));
        return 0;
    }

    private static void Client(IPEndPoint endPoint, int size, ref long count, ref bool stop)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(endPoint);
        var message = new byte[size];
        var reply = new byte[size];
        while (!Volatile.Read(ref stop))
        {
            socket.Send(message);
            int received = 0;
            while (received < size)
            {
                int n = socket.Receive(reply, received, size - received, SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                received += n;
            }

            Volatile.Write(ref count, count + 1);
        }
    }

    private static string? ReadPort(Process server)
    {
        string? line = server.StandardOutput.ReadLine();
        if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("server did not start: " + line);
            return null;
        }

        return line[6..];
    }

    /// <summary>Starts this program in serve mode, pinned to <paramref name="cpu"/> with taskset when given.</summary>
    private static Process StartServer(string[] serveArgs, string? cpu)
    {
        string self = Environment.ProcessPath!;
        bool viaDotnet = Path.GetFileNameWithoutExtension(self) == "dotnet";
        var info = new ProcessStartInfo
        {
            FileName = cpu is null ? self : "taskset",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (cpu is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(cpu);
            info.ArgumentList.Add(self);
        }

        if (viaDotnet)
        {
            info.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        info.ArgumentList.Add("transport-serve");
        foreach (string arg in serveArgs)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
        return Process.Start(info)!;
    }

    private static long Sum(long[] counts)
    {
        long total = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            total += Volatile.Read(ref counts[i]);
        }

        return total;
    }
}
