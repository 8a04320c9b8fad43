using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Transport;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// Runtime form of a <see cref="ClusterConfig"/>: the usable hosts of the best priority and their load balancer.
/// Immutable; a config change builds a new one. Connections opened through an old one keep it.
/// </summary>
internal sealed class Cluster
{
    public Cluster(ClusterConfig config, StatsStore stats)
    {
        Config = config;
        Stats = new ClusterStats(stats, config.Name);
        ConnectTimeout = config.ConnectTimeout > TimeSpan.Zero ? config.ConnectTimeout : ClusterConfig.DefaultConnectTimeout;
        ConnectionOptions = new ConnectionOptions(config.PerConnectionBufferLimitBytes > 0
            ? config.PerConnectionBufferLimitBytes
            : ListenerConfig.DefaultPerConnectionBufferLimitBytes);

        // Envoy's priority rule, without overprovisioning spill: the lowest-numbered priority that has a usable host
        // takes all traffic. No usable host at all leaves the set empty: "no healthy upstream".
        var usable = new List<UpstreamHost>();
        uint? bestPriority = null;
        foreach (var endpoint in config.Endpoints)
        {
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

        Hosts = usable;
        LoadBalancer = new WeightedRoundRobinLoadBalancer(usable);
    }

    public ClusterConfig Config { get; }

    public string Name => Config.Name;

    public ClusterStats Stats { get; }

    public TimeSpan ConnectTimeout { get; }

    public ConnectionOptions ConnectionOptions { get; }

    /// <summary>Hosts load balancing chooses from.</summary>
    public IReadOnlyList<UpstreamHost> Hosts { get; }

    public ILoadBalancer LoadBalancer { get; }

    public UpstreamHost? PickHost(in LoadBalancerContext context) => (UpstreamHost?)LoadBalancer.Pick(context);
}
