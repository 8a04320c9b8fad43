using System.Net;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Upstream;

/// <summary>Runtime state of one upstream host, built from an <see cref="EndpointConfig"/>.</summary>
internal sealed class UpstreamHost : IUpstreamHost
{
    private long _activeRequests;

    public UpstreamHost(EndpointConfig config)
    {
        Config = config;
        EndPoint = config.Address.ToEndPoint();
        Weight = Math.Max(1u, config.Weight);
        IsHealthy = config.Health is EndpointHealth.Healthy or EndpointHealth.Unknown;
        IsDegraded = config.Health is EndpointHealth.Degraded;
    }

    public EndpointConfig Config { get; }

    public IPEndPoint EndPoint { get; }

    public uint Weight { get; }

    /// <summary>Reported healthy or of unknown health: load balancing prefers these.</summary>
    public bool IsHealthy { get; }

    /// <summary>Reported degraded: used only for the load the healthy hosts cannot take (Envoy's degraded hosts).
    /// Hosts neither healthy nor degraded (unhealthy, draining, timed out) are picked only in panic.</summary>
    public bool IsDegraded { get; }

    /// <inheritdoc/>
    public long ActiveRequests => Volatile.Read(ref _activeRequests);

    /// <summary>A request was sent to this host (connection pools call this; least request reads the count).</summary>
    public void IncrementActiveRequests() => Interlocked.Increment(ref _activeRequests);

    /// <summary>A request to this host completed, failed or was reset; pairs with <see cref="IncrementActiveRequests"/>.</summary>
    public void DecrementActiveRequests() => Interlocked.Decrement(ref _activeRequests);

    public override string ToString() => EndPoint.ToString();
}
