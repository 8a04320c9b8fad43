using MeshProxy.Core.Threading;
using Serilog.Core;

namespace MeshProxy.Hosting;

/// <summary>What the command line decided, handed to the host that runs the data plane.</summary>
/// <param name="Logger">Root logger.</param>
/// <param name="LevelSwitch">Switch behind <c>--log-level</c> and <c>POST /logging?level=</c>.</param>
/// <param name="ConfigDump">Renders the current configuration as JSON for <c>/config_dump</c>.</param>
/// <param name="Transport">Transport name (<c>sockets</c> or <c>epoll</c>); null takes the default.</param>
/// <param name="Concurrency">Event loops to run; null = one per core.</param>
internal sealed record HostOptions(
    Serilog.ILogger Logger,
    LoggingLevelSwitch LevelSwitch,
    Func<string> ConfigDump,
    string? Transport,
    int? Concurrency)
{
    /// <summary><c>--drain-time-s</c>; null takes Envoy's default (600 s).</summary>
    public TimeSpan? DrainTime { get; init; }

    /// <summary><c>--control-plane-priority</c>: how xDS work is scheduled against the event loops.</summary>
    public ControlPlanePriority ControlPlanePriority { get; init; } = ControlPlanePriority.Idle;
}
