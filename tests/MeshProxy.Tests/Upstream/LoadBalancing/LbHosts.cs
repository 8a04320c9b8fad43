using System.Collections.Immutable;
using System.Net;
using MeshProxy.Core.Config;
using MeshProxy.Core.Upstream;
using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

/// <summary>Hosts, host sets and randomness for the load-balancing specifications.</summary>
internal static class LbHosts
{
    public static EndpointConfig Endpoint(
        int index, uint weight = 1, EndpointHealth health = EndpointHealth.Healthy, uint priority = 0, string locality = "", uint? localityWeight = null) =>
        new(new SocketAddressConfig(IPAddress.Parse($"10.0.{index / 250}.{(index % 250) + 1}"), 8080), weight, health, priority, locality)
        {
            LocalityWeight = localityWeight,
        };

    public static UpstreamHost Host(int index, uint weight = 1) => new(Endpoint(index, weight));

    public static UpstreamHost[] Hosts(params uint[] weights) => [.. weights.Select((w, i) => Host(i, w))];

    public static ClusterConfig Config(LbPolicy policy, params EndpointConfig[] endpoints) =>
        new("c", ClusterDiscoveryType.Static, TimeSpan.FromSeconds(1), policy, [.. endpoints], 0);

    public static ClusterHostSet Build(ClusterConfig config, int seed = 1) =>
        ClusterHostSet.Build(config, config.Endpoints, Seeded(seed));

    public static IRandom Seeded(int seed = 1) => new SystemRandom(new Random(seed));

    /// <summary>Picks <paramref name="count"/> times and counts the picks per host.</summary>
    public static Dictionary<UpstreamHost, int> Count(Func<UpstreamHost?> pick, int count)
    {
        var counts = new Dictionary<UpstreamHost, int>();
        for (var i = 0; i < count; i++)
        {
            var host = pick() ?? throw new InvalidOperationException("no host");
            counts[host] = counts.GetValueOrDefault(host) + 1;
        }

        return counts;
    }

    public static int CountOf(this Dictionary<UpstreamHost, int> counts, UpstreamHost host) => counts.GetValueOrDefault(host);

    /// <summary>Picks per endpoint index (the last octet minus one) of a cluster host set.</summary>
    public static int[] CountByIndex(ClusterHostSet set, int endpoints, int picks, Func<int, Abstractions.LoadBalancing.LoadBalancerContext>? context = null)
    {
        var counts = new int[endpoints];
        for (var i = 0; i < picks; i++)
        {
            var host = set.LoadBalancer.Pick(context?.Invoke(i) ?? default) ?? throw new InvalidOperationException("no host");
            counts[IndexOf(host.EndPoint)]++;
        }

        return counts;
    }

    public static int IndexOf(IPEndPoint endPoint)
    {
        var bytes = endPoint.Address.GetAddressBytes();
        return (bytes[2] * 250) + bytes[3] - 1;
    }

    /// <summary>Always the same value: makes round robin start at the first host.</summary>
    public sealed class Fixed(ulong value) : IRandom
    {
        public ulong NextUInt64() => value;
    }

    public static ImmutableArray<EndpointConfig> Endpoints(params EndpointConfig[] endpoints) => [.. endpoints];
}
