using Envoy.Config.Core.V3;
using MeshProxy.Core.Threading;

namespace MeshProxy.Xds.Client;

/// <summary>Settings of one <see cref="AdsClient"/>.</summary>
public sealed record XdsClientOptions(XdsServerTarget Target, XdsApiType ApiType, Node Node)
{
    /// <summary>Largest response accepted. Real meshes send CDS/LDS responses far above gRPC's 4 MiB default.</summary>
    public int MaxReceiveMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>How long each step of the initial fetch (CDS, its EDS, LDS, its RDS) waits; <see cref="TimeSpan.Zero"/> waits forever.</summary>
    public TimeSpan InitialFetchTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect backoff ceiling; doubles per failed attempt up to <see cref="BackoffMax"/> (full jitter).</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// HTTP/2 keep-alive ping interval while the stream is idle, and how long to wait for the ping's answer. 30 s/10 s
    /// match istiod's own keep-alive; a gRPC-Go server with the default enforcement (5 min) would GOAWAY such pings:
    /// raise the delay for such servers. <see cref="Timeout.InfiniteTimeSpan"/> disables pings.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The thread that decodes responses and runs the handler (the store, conversions, the runtime apply); null runs
    /// them on the thread pool. Not owned: the host creates and disposes it.
    /// </summary>
    public ControlPlaneWorker? Worker { get; init; }

    /// <summary>Source of backoff jitter; only used from the client's loop. Inject a seeded one in tests.</summary>
    public Random Random { get; init; } = Random.Shared;
}
