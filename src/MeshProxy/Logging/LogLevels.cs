using Serilog.Events;

namespace MeshProxy.Logging;

/// <summary>Envoy's log level names (<c>trace</c> .. <c>critical</c>, <c>off</c>) mapped onto Serilog's levels.</summary>
internal static class LogLevels
{
    /// <summary>Above Fatal: a minimum level that lets nothing through.</summary>
    public const LogEventLevel Off = LogEventLevel.Fatal + 1;

    public static bool TryParse(string name, out LogEventLevel level)
    {
        switch (name.ToLowerInvariant())
        {
            case "trace": level = LogEventLevel.Verbose; return true;
            case "debug": level = LogEventLevel.Debug; return true;
            case "info": level = LogEventLevel.Information; return true;
            case "warn" or "warning": level = LogEventLevel.Warning; return true;
            case "error": level = LogEventLevel.Error; return true;
            case "critical": level = LogEventLevel.Fatal; return true;
            case "off": level = Off; return true;
            default: level = default; return false;
        }
    }

    public static string Name(LogEventLevel level) => level switch
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
