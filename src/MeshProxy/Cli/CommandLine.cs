using System.Globalization;
using MeshProxy.Core.Threading;
using MeshProxy.Logging;
using Serilog.Events;

namespace MeshProxy.Cli;

/// <summary>
/// Hand-written argument parser (no reflection; NativeAOT friendly). Envoy's flag names where Envoy has
/// the flag: <c>-c/--config-path</c>, <c>-l/--log-level</c>, <c>--concurrency</c>, <c>--mode</c>,
/// <c>--version</c>; both <c>--flag value</c> and <c>--flag=value</c>.
/// </summary>
internal static class CommandLine
{
    /// <summary>Envoy's level names, as <c>-l</c> accepts them.</summary>
    public const string LogLevelNames = "trace, debug, info, warning|warn, error, critical, off";

    public const string Usage = """
        Usage:
          meshproxy -c FILE [options]     run the Envoy v3 bootstrap in FILE (.json, .yaml, .yml)
          meshproxy --xds TARGET --node-id ID [options]
                                          run against an ADS server (istiod, any Envoy control plane) without a file
          meshproxy demo [options]        run the built-in loopback demo
          meshproxy --version | --help

        Options:
          -c, --config-path FILE          Envoy v3 bootstrap, JSON or YAML
          -l, --log-level LEVEL           trace, debug, info (default), warning|warn, error, critical, off
              --log-format FORMAT         compact (default, human-readable) or json (compact JSON per event)
              --concurrency N             event loops (default: one per core)
              --transport NAME            sockets or epoll
              --mode MODE                 serve (default) or validate (load and check the config, then exit 0/1)
              --drain-time-s N            seconds a changed or removed listener drains before closing (default 600)
              --control-plane-priority P  idle (default: xDS work yields to the event loops, Linux SCHED_IDLE) or normal

        xDS without a bootstrap file:
              --xds TARGET                HOST:PORT (plaintext, istiod's 15010), https://HOST:PORT, or unix:/path
              --node-id ID                node id, for istiod sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local
              --cluster NAME              node cluster (default: POD.NAMESPACE from an Istio node id)
              --meta KEY=VALUE            node metadata, repeatable; JSON values allowed (--meta 'LABELS={"app":"web"}')
              --xds-delta                 use Delta xDS (default: state of the world)
              --xds-ca FILE               CA bundle for an https:// target
              --xds-max-message-bytes N   largest xDS message accepted (default 67108864; also with -c)
              --admin-address HOST:PORT   admin endpoint (default 127.0.0.1:15000)
              --version                   print the version and exit
          -h, --help                      print this help and exit
        """;

    /// <summary>
    /// Reads <c>--concurrency</c> without parsing anything else and without side effects, for the few
    /// start-up calls that must run before anything else in Main. Null when absent or invalid.
    /// </summary>
    public static int? PeekConcurrency(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Count; i++)
        {
            var text = args[i] == "--concurrency" && i + 1 < args.Count ? args[i + 1]
                : args[i].StartsWith("--concurrency=", StringComparison.Ordinal) ? args[i]["--concurrency=".Length..]
                : null;
            if (text is not null)
            {
                return ParsePositive(text);
            }
        }

        return null;
    }

    /// <summary>Parses the arguments; on failure <paramref name="error"/> says what is wrong (exit 2 with usage).</summary>
    public static bool TryParse(IReadOnlyList<string> args, out CommandLineOptions options, out string error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var command = CommandKind.Run;
        string? configPath = null;
        var level = LogEventLevel.Information;
        var format = LogFormat.Compact;
        int? concurrency = null;
        string? transport = null;
        var mode = RunMode.Serve;
        string? xdsTarget = null, nodeId = null, nodeCluster = null, xdsCa = null, adminAddress = null;
        var xdsDelta = false;
        var meta = new List<KeyValuePair<string, string>>();
        TimeSpan? drainTime = null;
        var controlPlanePriority = ControlPlanePriority.Idle;
        int? maxMessageBytes = null;
        options = new CommandLineOptions(command, configPath, level, format, concurrency, transport, mode);
        error = string.Empty;

        var start = 0;
        if (args.Count > 0 && args[0] == "demo")
        {
            command = CommandKind.Demo;
            start = 1;
        }

        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            string name = arg;
            string? inlineValue = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }

            switch (name)
            {
                case "-h" or "--help":
                    options = options with { Command = CommandKind.Help };
                    return true;
                case "--version":
                    options = options with { Command = CommandKind.Version };
                    return true;
                case "-c" or "--config-path":
                    if (!TakeValue(args, ref i, name, inlineValue, out configPath, out error))
                    {
                        return false;
                    }

                    break;
                case "-l" or "--log-level":
                    if (!TakeValue(args, ref i, name, inlineValue, out var levelText, out error))
                    {
                        return false;
                    }

                    if (!LogLevels.TryParse(levelText, out level))
                    {
                        error = $"invalid {name} '{levelText}'; expected one of {LogLevelNames}";
                        return false;
                    }

                    break;
                case "--log-format":
                    if (!TakeValue(args, ref i, name, inlineValue, out var formatText, out error))
                    {
                        return false;
                    }

                    switch (formatText)
                    {
                        case "compact": format = LogFormat.Compact; break;
                        case "json": format = LogFormat.Json; break;
                        default:
                            error = $"invalid --log-format '{formatText}'; expected compact or json";
                            return false;
                    }

                    break;
                case "--concurrency":
                    if (!TakeValue(args, ref i, name, inlineValue, out var countText, out error))
                    {
                        return false;
                    }

                    concurrency = ParsePositive(countText);
                    if (concurrency is null)
                    {
                        error = $"invalid --concurrency '{countText}'; expected a whole number of at least 1";
                        return false;
                    }

                    break;
                case "--transport":
                    if (!TakeValue(args, ref i, name, inlineValue, out transport, out error))
                    {
                        return false;
                    }

                    if (transport is not ("sockets" or "epoll"))
                    {
                        error = $"invalid --transport '{transport}'; expected sockets or epoll";
                        return false;
                    }

                    break;
                case "--mode":
                    if (!TakeValue(args, ref i, name, inlineValue, out var modeText, out error))
                    {
                        return false;
                    }

                    switch (modeText)
                    {
                        case "serve": mode = RunMode.Serve; break;
                        case "validate": mode = RunMode.Validate; break;
                        default:
                            error = $"invalid --mode '{modeText}'; expected serve or validate";
                            return false;
                    }

                    break;
                case "--drain-time-s":
                    if (!TakeValue(args, ref i, name, inlineValue, out var drainText, out error))
                    {
                        return false;
                    }

                    if (!int.TryParse(drainText, NumberStyles.None, CultureInfo.InvariantCulture, out var drainSeconds))
                    {
                        error = $"invalid --drain-time-s '{drainText}'; expected a whole number of seconds";
                        return false;
                    }

                    drainTime = TimeSpan.FromSeconds(drainSeconds);
                    break;
                case "--control-plane-priority":
                    if (!TakeValue(args, ref i, name, inlineValue, out var priorityText, out error))
                    {
                        return false;
                    }

                    switch (priorityText)
                    {
                        case "idle": controlPlanePriority = ControlPlanePriority.Idle; break;
                        case "normal": controlPlanePriority = ControlPlanePriority.Normal; break;
                        default:
                            error = $"invalid --control-plane-priority '{priorityText}'; expected idle or normal";
                            return false;
                    }

                    break;
                case "--xds-max-message-bytes":
                    if (!TakeValue(args, ref i, name, inlineValue, out var sizeText, out error))
                    {
                        return false;
                    }

                    maxMessageBytes = ParsePositive(sizeText);
                    if (maxMessageBytes is null)
                    {
                        error = $"invalid --xds-max-message-bytes '{sizeText}'; expected a whole number of bytes, at least 1";
                        return false;
                    }

                    break;
                case "--xds":
                    if (!TakeValue(args, ref i, name, inlineValue, out xdsTarget, out error))
                    {
                        return false;
                    }

                    break;
                case "--node-id":
                    if (!TakeValue(args, ref i, name, inlineValue, out nodeId, out error))
                    {
                        return false;
                    }

                    break;
                case "--cluster":
                    if (!TakeValue(args, ref i, name, inlineValue, out nodeCluster, out error))
                    {
                        return false;
                    }

                    break;
                case "--xds-ca":
                    if (!TakeValue(args, ref i, name, inlineValue, out xdsCa, out error))
                    {
                        return false;
                    }

                    break;
                case "--admin-address":
                    if (!TakeValue(args, ref i, name, inlineValue, out adminAddress, out error))
                    {
                        return false;
                    }

                    break;
                case "--xds-delta":
                    xdsDelta = true;
                    break;
                case "--meta":
                    if (!TakeValue(args, ref i, name, inlineValue, out var pair, out error))
                    {
                        return false;
                    }

                    var split = pair.IndexOf('=', StringComparison.Ordinal);
                    if (split <= 0)
                    {
                        error = $"invalid --meta '{pair}'; expected KEY=VALUE";
                        return false;
                    }

                    meta.Add(new KeyValuePair<string, string>(pair[..split], pair[(split + 1)..]));
                    break;
                default:
                    error = arg == "demo" ? "'demo' must come first: meshproxy demo [options]" : $"unknown argument '{arg}'";
                    return false;
            }
        }

        var xdsFlagGiven = nodeId is not null || nodeCluster is not null || xdsCa is not null || adminAddress is not null || xdsDelta || meta.Count > 0;
        if (xdsTarget is null && xdsFlagGiven)
        {
            error = "--node-id, --cluster, --meta, --xds-delta, --xds-ca and --admin-address go with --xds";
            return false;
        }

        XdsCommandLine? xds = null;
        if (xdsTarget is not null)
        {
            if (configPath is not null || command == CommandKind.Demo)
            {
                error = "--xds replaces the bootstrap file; do not combine it with -c or demo";
                return false;
            }

            if (nodeId is null)
            {
                error = "--xds needs --node-id (for istiod: sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local)";
                return false;
            }

            xds = new XdsCommandLine(xdsTarget, nodeId, nodeCluster, meta, xdsDelta, xdsCa, adminAddress ?? "127.0.0.1:15000");
        }

        if (command == CommandKind.Run && configPath is null && xds is null)
        {
            error = "a bootstrap is required: -c FILE, or --xds TARGET --node-id ID (or run 'meshproxy demo')";
            return false;
        }

        if (command == CommandKind.Demo && configPath is not null)
        {
            error = "'demo' runs its built-in config; -c does not apply";
            return false;
        }

        options = new CommandLineOptions(command, configPath, level, format, concurrency, transport, mode) { Xds = xds, DrainTime = drainTime, XdsMaxMessageBytes = maxMessageBytes, ControlPlanePriority = controlPlanePriority };
        return true;
    }

    private static bool TakeValue(IReadOnlyList<string> args, ref int i, string name, string? inlineValue, out string value, out string error)
    {
        error = string.Empty;
        if (inlineValue is not null)
        {
            value = inlineValue;
        }
        else if (i + 1 < args.Count)
        {
            value = args[++i];
        }
        else
        {
            value = string.Empty;
            error = $"{name} needs a value";
            return false;
        }

        if (value.Length == 0)
        {
            error = $"{name} needs a value";
            return false;
        }

        return true;
    }

    private static int? ParsePositive(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 ? value : null;
}
