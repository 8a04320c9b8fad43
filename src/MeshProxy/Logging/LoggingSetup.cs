using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace MeshProxy.Logging;

/// <summary>
/// Builds the root Serilog logger. Everything goes to stderr, as Envoy logs, which keeps stdout for
/// command output (<c>--version</c>, <c>--mode validate</c>). The level lives in one
/// <see cref="LoggingLevelSwitch"/> shared with the admin endpoint.
/// </summary>
internal static class LoggingSetup
{
    // Envoy's default line shape: [time][level] message.
    private const string CompactTemplate = "[{Timestamp:yyyy-MM-dd HH:mm:ss.fff}][{Level:w}] {Message:lj}{NewLine}{Exception}";

    public static Logger Create(LoggingLevelSwitch levelSwitch, LogFormat format)
    {
        var configuration = new LoggerConfiguration().MinimumLevel.ControlledBy(levelSwitch);
        configuration = format == LogFormat.Json
            ? configuration.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: LogEventLevel.Verbose)
            : configuration.WriteTo.Console(
                outputTemplate: CompactTemplate,
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        return configuration.CreateLogger();
    }
}
