using System.Globalization;
using System.Net;
using MeshProxy.Core.Transport.Sockets;

namespace MeshProxy.LoadClient;

/// <summary>
/// Usage (every mode takes --inline to enable inline socket completions in-process, first thing):
///   probe [--inline | --inline-late] [--round-trips N]   (--inline-late: enable only after the first socket is connected)
///   echo --listen 127.0.0.1:9001 [--inline]
///   proxy --listen 127.0.0.1:9000 --upstream 127.0.0.1:9001 [--inline] [--threads N] [--no-wait-for-data]
///   client --target 127.0.0.1:9000 [--connections 50] [--size 64] [--warmup 2] [--duration 10] [--pid PID] [--inline]
///   idle --target 127.0.0.1:9000 --pid PID [--connections 5000] [--hold 3]
/// Stop echo and proxy with Ctrl+C / SIGTERM, or give --seconds N.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var options = Parse(args);
        if (options.ContainsKey("inline"))
        {
            // Must run before any socket is used: the engine reads it once when it starts.
            SocketRuntime.EnableInlineCompletions(options.TryGetValue("threads", out var t) ? int.Parse(t, CultureInfo.InvariantCulture) : null);
        }

        // Not disposed: ProcessExit may cancel it after Main returns.
        var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        if (options.TryGetValue("seconds", out var seconds))
        {
            stop.CancelAfter(TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)));
        }

        switch (args.FirstOrDefault())
        {
            case "probe":
                await InlineProbe.RunAsync(Int(options, "round-trips", 20_000), options.ContainsKey("inline-late"));
                return 0;
            case "echo":
                await EchoServer.RunAsync(IPEndPoint.Parse(options["listen"]), stop.Token);
                return 0;
            case "proxy":
                await ProxyHost.RunAsync(IPEndPoint.Parse(options["listen"]), IPEndPoint.Parse(options["upstream"]), !options.ContainsKey("no-wait-for-data"), stop.Token);
                return 0;
            case "client":
                await PingPongClient.RunAsync(
                    IPEndPoint.Parse(options["target"]),
                    Int(options, "connections", 50),
                    Int(options, "size", 64),
                    TimeSpan.FromSeconds(Int(options, "warmup", 2)),
                    TimeSpan.FromSeconds(Int(options, "duration", 10)),
                    options.TryGetValue("pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null);
                return 0;
            case "idle":
                await IdleClient.RunAsync(
                    IPEndPoint.Parse(options["target"]),
                    Int(options, "connections", 5000),
                    int.Parse(options["pid"], CultureInfo.InvariantCulture),
                    TimeSpan.FromSeconds(Int(options, "hold", 3)));
                return 0;
            default:
                Console.Error.WriteLine("usage: probe | echo | proxy | client | idle (see Program.cs)");
                return 2;
        }
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            options[args[i][2..]] = hasValue ? args[++i] : "";
        }

        return options;
    }
}
