using MeshProxy.Core.Threading;
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
    RunMode Mode)
{
    /// <summary><c>--xds HOST:PORT|unix:/path|https://HOST:PORT</c>: run against this ADS server without a bootstrap file.</summary>
    public XdsCommandLine? Xds { get; init; }

    /// <summary><c>--xds-max-message-bytes</c>: overrides the ADS receive limit (default 64 MiB).</summary>
    public int? XdsMaxMessageBytes { get; init; }

    /// <summary>Envoy's <c>--drain-time-s</c>: how long changed or removed listeners drain before their connections close.</summary>
    public TimeSpan? DrainTime { get; init; }

    /// <summary><c>--control-plane-priority idle|normal</c> (default idle): how xDS work is scheduled against the event loops.</summary>
    public ControlPlanePriority ControlPlanePriority { get; init; } = ControlPlanePriority.Idle;
}

/// <summary>The <c>--xds</c> family of flags; turned into an equivalent bootstrap by <see cref="XdsBootstrapBuilder"/>.</summary>
/// <param name="Target">ADS server.</param>
/// <param name="NodeId"><c>--node-id</c> (for istiod: <c>sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local</c>).</param>
/// <param name="NodeCluster"><c>--cluster</c>; null derives it from the node id.</param>
/// <param name="Metadata"><c>--meta KEY=VALUE</c> in order; a VALUE that is a JSON object, array, number or boolean is taken as JSON.</param>
/// <param name="Delta"><c>--xds-delta</c>: Delta xDS instead of state of the world.</param>
/// <param name="CaCertificatePath"><c>--xds-ca FILE</c>: TLS to the server, verified against this CA.</param>
/// <param name="AdminAddress"><c>--admin-address HOST:PORT</c> (default 127.0.0.1:15000, Istio's admin port).</param>
internal sealed record XdsCommandLine(
    string Target,
    string NodeId,
    string? NodeCluster,
    IReadOnlyList<KeyValuePair<string, string>> Metadata,
    bool Delta,
    string? CaCertificatePath,
    string AdminAddress)
{
    public bool Equals(XdsCommandLine? other) =>
        other is not null && Target == other.Target && NodeId == other.NodeId && NodeCluster == other.NodeCluster
        && Metadata.SequenceEqual(other.Metadata) && Delta == other.Delta && CaCertificatePath == other.CaCertificatePath
        && AdminAddress == other.AdminAddress;

    public override int GetHashCode() => HashCode.Combine(Target, NodeId, NodeCluster, Metadata.Count, Delta, CaCertificatePath, AdminAddress);
}
