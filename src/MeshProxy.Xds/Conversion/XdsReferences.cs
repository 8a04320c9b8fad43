using System.Collections.Immutable;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// What converted resources name in other resources, for the resource store's subscriptions and warming: a listener
/// waits for the route configurations its HTTP connection managers name (RDS); an EDS cluster waits for its
/// ClusterLoadAssignment.
/// </summary>
public static class XdsReferences
{
    /// <summary>RDS route configuration names the listener's HTTP connection managers use, distinct, in first-use order
    /// (filter chains, then the default chain).</summary>
    public static ImmutableArray<string> ReferencedRouteNames(ListenerConfig listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var chain in listener.FilterChains)
        {
            Add(chain, names);
        }

        if (listener.DefaultFilterChain is { } fallback)
        {
            Add(fallback, names);
        }

        return names.ToImmutable();

        static void Add(FilterChainConfig chain, ImmutableArray<string>.Builder names)
        {
            foreach (var filter in chain.Filters)
            {
                if (filter is HttpConnectionManagerConfig { RdsRouteConfigName: { } name } && !names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }
    }

    /// <summary>The ClusterLoadAssignment name an EDS cluster subscribes to; null for other cluster types.</summary>
    public static string? EdsName(ClusterConfig cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.DiscoveryType == ClusterDiscoveryType.Eds ? cluster.EdsServiceName ?? cluster.Name : null;
    }
}
