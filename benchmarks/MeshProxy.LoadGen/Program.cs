using System.Globalization;
using System.Net;
using MeshProxy.Core.Transport.Sockets;
using MeshProxy.LoadGen.Http;
using MeshProxy.LoadGen.Load;
using MeshProxy.LoadGen.Tcp;
using MeshProxy.LoadGen.Transport;
using MeshProxy.LoadGen.Xds;

namespace MeshProxy.LoadGen;

/// <summary>
/// MeshProxy's own load generator and transport probes (see README.md). Commands:
///   http      --target HOST:PORT [--path /] [--host H] [--header 'Name: value']... [--connections 16] [--rate R]
///             [--close] [--warmup 2] [--duration 10] [--drain 5] [--windows name:from-to,...] [--pid PID]
///             [--label L] [--json FILE] [--ready-file FILE] [--timeline] [--protocol http1]
///   pingpong  --target HOST:PORT [--connections 50] [--size 64] [--warmup 2] [--duration 10] [--pid PID] [--inline]
///   echo      --listen HOST:PORT [--inline] [--seconds N]
///   proxy     --listen HOST:PORT --upstream HOST:PORT [--inline] [--threads N] [--no-wait-for-data] [--seconds N]
///   idle      --target HOST:PORT --pid PID [--connections 5000] [--hold 3]
///   probe     [--inline | --inline-late] [--round-trips N]
///   transport [--mode echo|proxy] --transport epoll|sockets|sockets-pipes [--connections 1] [--seconds 10] [--pin] ...
///   transport-serve (started by transport)
///   xds-server --listen HOST:PORT --upstream HOST:PORT --listener-port P [--clusters 1000] [--endpoints 10]
///             [--push-after-file FILE] [--push-at 8] [--push-count 8] [--push-interval-ms 500] [--seconds N]
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        string command = args.FirstOrDefault() ?? "";
        var options = Parse(args);
        if (options.ContainsKey("inline") || command == "http")
        {
            // Must run before any socket is used: the engine reads it once when it starts. The HTTP client always
            // runs with it, so its completions stay on the one epoll thread (no thread-pool hop per response).
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
        if (options.TryGetValue("seconds", out var seconds) && command is "echo" or "proxy" or "xds-server")
        {
            stop.CancelAfter(TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)));
        }

        switch (command)
        {
            case "http":
                return await HttpAsync(options).ConfigureAwait(false);
            case "pingpong" or "client":
                await PingPongClient.RunAsync(
                    IPEndPoint.Parse(options["target"]),
                    Int(options, "connections", 50),
                    Int(options, "size", 64),
                    TimeSpan.FromSeconds(Int(options, "warmup", 2)),
                    TimeSpan.FromSeconds(Int(options, "duration", 10)),
                    options.TryGetValue("pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null).ConfigureAwait(false);
                return 0;
            case "echo":
                await EchoServer.RunAsync(IPEndPoint.Parse(options["listen"]), stop.Token).ConfigureAwait(false);
                return 0;
            case "proxy":
                await ProxyHost.RunAsync(IPEndPoint.Parse(options["listen"]), IPEndPoint.Parse(options["upstream"]), !options.ContainsKey("no-wait-for-data"), stop.Token).ConfigureAwait(false);
                return 0;
            case "idle":
                await IdleClient.RunAsync(
                    IPEndPoint.Parse(options["target"]),
                    Int(options, "connections", 5000),
                    int.Parse(options["pid"], CultureInfo.InvariantCulture),
                    TimeSpan.FromSeconds(Int(options, "hold", 3))).ConfigureAwait(false);
                return 0;
            case "probe":
                await InlineProbe.RunAsync(Int(options, "round-trips", 20_000), options.ContainsKey("inline-late")).ConfigureAwait(false);
                return 0;
            case "transport":
                return TransportBench.Run(options);
            case "transport-serve":
                return await TransportBench.ServeAsync(options).ConfigureAwait(false);
            case "xds-server":
                return await XdsBenchServer.RunAsync(
                    new XdsBenchOptions
                    {
                        Listen = IPEndPoint.Parse(options["listen"]),
                        Upstream = IPEndPoint.Parse(options["upstream"]),
                        ListenerPort = Int(options, "listener-port", 0),
                        Clusters = Int(options, "clusters", 1000),
                        EndpointsPerCluster = Int(options, "endpoints", 10),
                        PushAfterFile = options.GetValueOrDefault("push-after-file"),
                        PushAt = Double(options, "push-at", 8),
                        PushCount = Int(options, "push-count", 8),
                        PushIntervalMs = Double(options, "push-interval-ms", 500),
                    },
                    stop.Token).ConfigureAwait(false);
            default:
                Console.Error.WriteLine("usage: http | pingpong | echo | proxy | idle | probe | transport | xds-server (see README.md)");
                return 2;
        }
    }

    private static async Task<int> HttpAsync(Dictionary<string, string> options)
    {
        string protocolName = options.GetValueOrDefault("protocol", "http1");
        if (protocolName != "http1")
        {
            // h2c (N connections x M streams) and bolt/dubbo are further ILoadProtocol implementations, not written yet.
            Console.Error.WriteLine($"protocol '{protocolName}' is not implemented yet (http1 only; h2c, bolt, dubbo slot in as ILoadProtocol)");
            return 3;
        }

        var target = IPEndPoint.Parse(options["target"]);
        string path = options.GetValueOrDefault("path", "/");
        string[] headers = options.TryGetValue("header", out var h) ? h.Split('\n') : [];
        var protocol = new Http1Protocol(target, path, options.GetValueOrDefault("host"), options.ContainsKey("close"), headers);
        var load = new LoadOptions
        {
            Connections = Int(options, "connections", 16),
            Rate = Double(options, "rate", 0),
            Warmup = TimeSpan.FromSeconds(Double(options, "warmup", 2)),
            Duration = TimeSpan.FromSeconds(Double(options, "duration", 10)),
            Drain = TimeSpan.FromSeconds(Double(options, "drain", 5)),
            Windows = options.TryGetValue("windows", out var w) ? ParseWindows(w) : [],
            Pid = options.TryGetValue("pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
            ReadyFile = options.GetValueOrDefault("ready-file"),
        };
        string label = options.GetValueOrDefault("label", protocol.Name);

        // Bounded whatever happens inside: one run in a harness once hung before connecting, and the harness must go on.
        TimeSpan limit = load.Warmup + load.Duration + load.Drain + TimeSpan.FromSeconds(60);
        new Thread(() =>
        {
            Thread.Sleep(limit);
            Console.Error.WriteLine($"loadgen: no result after {limit.TotalSeconds:F0} s; giving up (stuck at: {LoadDriver.Phase})");
            Environment.Exit(4);
        })
        { IsBackground = true, Name = "loadgen-watchdog" }.Start();

        LoadResult result = await LoadDriver.RunAsync(protocol, load).ConfigureAwait(false);
        Console.WriteLine(result.Text($"{target}{path}"));
        if (options.ContainsKey("timeline"))
        {
            Console.Write(result.TimelineText());
        }

        Console.WriteLine(LoadResult.MarkdownHeader);
        Console.WriteLine(result.MarkdownRow(label));
        Console.WriteLine(result.ResultLine(label));
        if (options.TryGetValue("json", out var jsonPath))
        {
            await using FileStream file = File.Create(jsonPath);
            result.WriteJson(file, label);
        }

        return result.Recorder.Completed > 0 ? 0 : 1;
    }

    private static List<LoadWindow> ParseWindows(string text)
    {
        // name:from-to[,name:from-to...], seconds from the start of the measured period.
        var windows = new List<LoadWindow>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = part.IndexOf(':', StringComparison.Ordinal);
            int dash = part.IndexOf('-', colon + 1);
            if (colon <= 0 || dash < 0)
            {
                throw new ArgumentException($"window '{part}' is not name:from-to");
            }

            windows.Add(new LoadWindow(
                part[..colon],
                double.Parse(part[(colon + 1)..dash], CultureInfo.InvariantCulture),
                double.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture)));
        }

        return windows;
    }

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static double Double(Dictionary<string, string> options, string name, double fallback) =>
        options.TryGetValue(name, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>--name value or --name (flag, value ""); a repeated option keeps every value, joined by newlines.</summary>
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
            string key = args[i][2..];
            string value = hasValue ? args[++i] : "";
            options[key] = options.TryGetValue(key, out var earlier) ? earlier + "\n" + value : value;
        }

        return options;
    }
}
