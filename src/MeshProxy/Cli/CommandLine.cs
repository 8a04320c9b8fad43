using System.Globalization;
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
          meshproxy demo [options]        run the built-in loopback demo
          meshproxy --version | --help

        Options:
          -c, --config-path FILE          Envoy v3 bootstrap, JSON or YAML
          -l, --log-level LEVEL           trace, debug, info (default), warning|warn, error, critical, off
              --log-format FORMAT         compact (default, human-readable) or json (compact JSON per event)
              --concurrency N             event loops (default: one per core)
              --transport NAME            sockets or epoll
              --mode MODE                 serve (default) or validate (load and check the config, then exit 0/1)
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
                default:
                    error = arg == "demo" ? "'demo' must come first: meshproxy demo [options]" : $"unknown argument '{arg}'";
                    return false;
            }
        }

        if (command == CommandKind.Run && configPath is null)
        {
            error = "a bootstrap is required: -c FILE (or run 'meshproxy demo')";
            return false;
        }

        if (command == CommandKind.Demo && configPath is not null)
        {
            error = "'demo' runs its built-in config; -c does not apply";
            return false;
        }

        options = new CommandLineOptions(command, configPath, level, format, concurrency, transport, mode);
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
