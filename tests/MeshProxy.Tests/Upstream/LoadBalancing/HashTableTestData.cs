using MeshProxy.Core.Hashing;
using MeshProxy.Core.Upstream;
using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

/// <summary>Shares and request hashes for the ring hash and Maglev specifications.</summary>
internal static class HashTableTestData
{
    public static List<WeightedHost> Shares(UpstreamHost[] hosts)
    {
        var total = hosts.Sum(h => (double)h.Weight);
        return [.. hosts.Select(h => new WeightedHost(h, h.Weight / total))];
    }

    /// <summary>Request hashes as a route would compute them (xxHash64 of a key), reproducible.</summary>
    public static ulong[] RequestHashes(int count) =>
        [.. Enumerable.Range(0, count).Select(i => XxHash64.Hash(System.Text.Encoding.UTF8.GetBytes($"user-{i}")))];

    /// <summary>Fraction of requests whose host changed.</summary>
    public static double MovedFraction(HashTable before, HashTable after, ulong[] hashes) =>
        hashes.Count(h => !ReferenceEquals(before.Pick(h), after.Pick(h))) / (double)hashes.Length;

    /// <summary>Every request of the removed host moved; of the others at most <paramref name="slack"/> did.</summary>
    public static void AssertMinimalDisruption(HashTable before, HashTable after, UpstreamHost removed, ulong[] hashes, double slack)
    {
        var ofRemoved = hashes.Count(h => ReferenceEquals(before.Pick(h), removed));
        var movedOthers = hashes.Count(h => !ReferenceEquals(before.Pick(h), removed) && !ReferenceEquals(before.Pick(h), after.Pick(h)));
        Assert.All(hashes, h => Assert.NotSame(removed, after.Pick(h)));
        Assert.InRange(movedOthers / (double)(hashes.Length - ofRemoved), 0, slack);
    }
}
