using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>Builds a cluster's balancer for one host set from its <see cref="ClusterConfig.LbPolicy"/> and settings.</summary>
internal static class LoadBalancerFactory
{
    public static ILoadBalancer Create(ClusterConfig config, PrioritySet set, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(config);
        switch (config.LbPolicy)
        {
            case LbPolicy.LeastRequest:
                return new PriorityLoadBalancer(
                    set, hosts => new LeastRequestPicker(hosts, random, config.LeastRequestChoiceCount, config.LeastRequestActiveRequestBias), random);
            case LbPolicy.Random:
                return new PriorityLoadBalancer(set, hosts => new RandomPicker(hosts, random), random);
            case LbPolicy.RingHash:
                return new HashingLoadBalancer(
                    set, hosts => new RingHashTable(hosts, config.RingHashMinimumRingSize, config.RingHashMaximumRingSize), random);
            case LbPolicy.Maglev:
                return new HashingLoadBalancer(set, hosts => new MaglevTable(hosts, config.MaglevTableSize), random);
            default:
                // ROUND_ROBIN; CLUSTER_PROVIDED clusters (ORIGINAL_DST) pick without a host set.
                return new PriorityLoadBalancer(set, hosts => new RoundRobinPicker(hosts, random), random);
        }
    }
}
