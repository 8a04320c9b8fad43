using System.Collections.Immutable;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// One immutable host set of a cluster: every host by priority with Envoy's per-priority loads, the policy's load
/// balancer (ring or Maglev tables included, all built here, off the request path), and the membership counts for
/// stats. A DNS refresh builds a new one and the cluster swaps it in whole.
/// </summary>
internal sealed class ClusterHostSet
{
    private ClusterHostSet(IReadOnlyList<UpstreamHost> hosts, PrioritySet? priorities, ILoadBalancer loadBalancer, int healthy)
    {
        Hosts = hosts;
        Priorities = priorities;
        LoadBalancer = loadBalancer;
        Total = hosts.Count;
        Healthy = healthy;
    }

    public static ClusterHostSet Empty { get; } = new([], null, new NoHostLoadBalancer(), 0);

    /// <summary>Every host, whatever its priority or health, in endpoint order.</summary>
    public IReadOnlyList<UpstreamHost> Hosts { get; }

    /// <summary>Hosts by priority and the load each level takes; null for <see cref="Empty"/>.</summary>
    public PrioritySet? Priorities { get; }

    public ILoadBalancer LoadBalancer { get; }

    /// <summary>Every endpoint, whatever its health or priority (<c>membership_total</c>).</summary>
    public int Total { get; }

    /// <summary>Endpoints reported healthy or of unknown health (<c>membership_healthy</c>, as Envoy counts).</summary>
    public int Healthy { get; }

    /// <param name="config">Policy and balancing settings (the endpoints may come from elsewhere, e.g. DNS).</param>
    /// <param name="endpoints">The hosts.</param>
    /// <param name="random">Randomness for the balancer.</param>
    public static ClusterHostSet Build(ClusterConfig config, ImmutableArray<EndpointConfig> endpoints, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (endpoints.IsDefaultOrEmpty)
        {
            return Empty;
        }

        var hosts = new UpstreamHost[endpoints.Length];
        var healthy = 0;
        for (var i = 0; i < hosts.Length; i++)
        {
            hosts[i] = new UpstreamHost(endpoints[i]);
            healthy += hosts[i].IsHealthy ? 1 : 0;
        }

        var priorities = PrioritySet.Build(hosts, config.OverprovisioningFactor, config.HealthyPanicThreshold, config.LocalityWeightedLb);
        return new ClusterHostSet(hosts, priorities, LoadBalancerFactory.Create(config, priorities, random), healthy);
    }

    private sealed class NoHostLoadBalancer : ILoadBalancer
    {
        public IUpstreamHost? Pick(in LoadBalancerContext context) => null;
    }
}
