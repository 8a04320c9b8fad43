using System.Net;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Upstream;

/// <summary>Runtime state of one upstream host, built from an <see cref="EndpointConfig"/>.</summary>
internal sealed class UpstreamHost : IUpstreamHost
{
    public UpstreamHost(EndpointConfig config)
    {
        Config = config;
        EndPoint = config.Address.ToEndPoint();
        Weight = Math.Max(1u, config.Weight);
    }

    public EndpointConfig Config { get; }

    public IPEndPoint EndPoint { get; }

    public uint Weight { get; }

    /// <summary>Whether load balancing may pick this host. Envoy excludes unhealthy, draining and timed-out hosts;
    /// degraded hosts are used like healthy ones until degraded-host handling arrives.</summary>
    public bool IsUsable => Config.Health is not (EndpointHealth.Unhealthy or EndpointHealth.Draining or EndpointHealth.Timeout);

    public override string ToString() => EndPoint.ToString();
}
