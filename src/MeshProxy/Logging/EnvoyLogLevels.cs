using Serilog.Events;

namespace MeshProxy.Logging;

/// <summary>
/// Envoy's level names (<c>trace debug info warning|warn error critical off</c>) mapped to Serilog's, for
/// <c>--log-level</c> and the admin endpoint's <c>POST /logging?level=</c>.
/// </summary>
internal static class EnvoyLogLevels
{
    /// <summary>Above <see cref="LogEventLevel.Fatal"/>: a switch set to it lets nothing through ("off").</summary>
    public const LogEventLevel Off = LogEventLevel.Fatal + 1;

    public const string Names = "trace, debug, info, warning|warn, error, critical, off";

    public static bool TryParse(string? name, out LogEventLevel level)
    {
        switch (name?.ToLowerInvariant())
        {
            case "trace": level = LogEventLevel.Verbose; return true;
            case "debug": level = LogEventLevel.Debug; return true;
            case "info": level = LogEventLevel.Information; return true;
            case "warning" or "warn": level = LogEventLevel.Warning; return true;
            case "error": level = LogEventLevel.Error; return true;
            case "critical": level = LogEventLevel.Fatal; return true;
            case "off": level = Off; return true;
            default: level = LogEventLevel.Information; return false;
        }
    }

    public static string ToName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "trace",
        LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "info",
        LogEventLevel.Warning => "warning",
        LogEventLevel.Error => "error",
        LogEventLevel.Fatal => "critical",
        _ => "off",
    };
}
