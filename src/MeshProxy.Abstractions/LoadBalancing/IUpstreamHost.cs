using System.Net;

namespace MeshProxy.Abstractions.LoadBalancing;

/// <summary>What a load balancer sees of an upstream host.</summary>
public interface IUpstreamHost
{
    /// <summary>Where to connect.</summary>
    IPEndPoint EndPoint { get; }

    /// <summary>Load-balancing weight, at least 1.</summary>
    uint Weight { get; }
}
