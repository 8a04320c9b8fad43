using MeshProxy.Logging;
using Serilog.Events;

namespace MeshProxy.Cli;

/// <summary>A parsed command line.</summary>
/// <param name="Command">Run a bootstrap, the demo, or print help/version.</param>
/// <param name="ConfigPath"><c>-c|--config-path</c>.</param>
/// <param name="LogLevel"><c>-l|--log-level</c> (default info).</param>
/// <param name="LogFormat"><c>--log-format compact|json</c>.</param>
/// <param name="Concurrency"><c>--concurrency</c>; null = one event loop per core.</param>
/// <param name="Transport"><c>--transport sockets|epoll</c>; null = default.</param>
/// <param name="Mode"><c>--mode serve|validate</c>.</param>
internal sealed record CommandLineOptions(
    CommandKind Command,
    string? ConfigPath,
    LogEventLevel LogLevel,
    LogFormat LogFormat,
    int? Concurrency,
    string? Transport,
    RunMode Mode);
