using System.Net;

namespace MeshProxy.Abstractions.LoadBalancing;

/// <summary>What a load balancer sees of an upstream host.</summary>
public interface IUpstreamHost
{
    /// <summary>Where to connect.</summary>
    IPEndPoint EndPoint { get; }

    /// <summary>Load-balancing weight, at least 1.</summary>
    uint Weight { get; }

    /// <summary>
    /// Requests in flight to this host (Envoy's <c>rq_active</c>), maintained by the connection pools; what least-request
    /// balancing compares. A snapshot that other event loops change concurrently.
    /// </summary>
    long ActiveRequests { get; }
}
