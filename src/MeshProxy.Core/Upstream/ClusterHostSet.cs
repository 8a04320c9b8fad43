using System.Collections.Immutable;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// One immutable host set of a cluster: the usable hosts of the best priority and their load balancer, plus the
/// membership counts for stats. A DNS refresh builds a new one and the cluster swaps it in whole.
/// </summary>
internal sealed class ClusterHostSet
{
    private ClusterHostSet(IReadOnlyList<UpstreamHost> hosts, int total, int healthy)
    {
        Hosts = hosts;
        LoadBalancer = new WeightedRoundRobinLoadBalancer(hosts);
        Total = total;
        Healthy = healthy;
    }

    public static ClusterHostSet Empty { get; } = new([], 0, 0);

    /// <summary>Hosts load balancing chooses from.</summary>
    public IReadOnlyList<UpstreamHost> Hosts { get; }

    public ILoadBalancer LoadBalancer { get; }

    /// <summary>Every endpoint, whatever its health or priority (<c>membership_total</c>).</summary>
    public int Total { get; }

    /// <summary>Endpoints reported healthy or of unknown health (<c>membership_healthy</c>, as Envoy counts).</summary>
    public int Healthy { get; }

    public static ClusterHostSet Build(ImmutableArray<EndpointConfig> endpoints)
    {
        if (endpoints.IsDefaultOrEmpty)
        {
            return Empty;
        }

        // Envoy's priority rule, without overprovisioning spill: the lowest-numbered priority that has a usable host
        // takes all traffic. No usable host at all leaves the set empty: "no healthy upstream".
        var usable = new List<UpstreamHost>();
        uint? bestPriority = null;
        var healthy = 0;
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Health is EndpointHealth.Healthy or EndpointHealth.Unknown)
            {
                healthy++;
            }

            var host = new UpstreamHost(endpoint);
            if (!host.IsUsable)
            {
                continue;
            }

            if (bestPriority is null || endpoint.Priority < bestPriority)
            {
                bestPriority = endpoint.Priority;
                usable.Clear();
            }

            if (endpoint.Priority == bestPriority)
            {
                usable.Add(host);
            }
        }

        return new ClusterHostSet(usable, endpoints.Length, healthy);
    }
}
