using MeshProxy.Core.Hashing;
using System.Text;
using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class RingHashTableTests
{
    [Fact]
    public void Pick_SameHash_SameHost()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1);
        var ring = new RingHashTable(HashTableTestData.Shares(hosts), 1024, 8 << 20);
        var rebuilt = new RingHashTable(HashTableTestData.Shares(hosts), 1024, 8 << 20);

        Assert.All(HashTableTestData.RequestHashes(1_000), h => Assert.Same(ring.Pick(h), rebuilt.Pick(h)));
    }

    [Fact]
    public void Size_EqualWeights_LightestHostGetsWholeEntriesAboveMinimum()
    {
        // scale = ceil(1/3 * 1024) / (1/3) = 342 * 3.
        Assert.Equal(1026, new RingHashTable(HashTableTestData.Shares(LbHosts.Hosts(1, 1, 1)), 1024, 8 << 20).Size);
    }

    [Fact]
    public void Size_ExtremeWeights_CappedAtMaximum()
    {
        Assert.Equal(4096, new RingHashTable(HashTableTestData.Shares(LbHosts.Hosts(1, 1_000_000)), 1024, 4096).Size);
    }

    [Fact]
    public void Pick_EntryHashOfEnvoyKey_ThatHost()
    {
        // Envoy hashes "{address}_{i}" with xxHash64: an exact entry hash lands on its own host.
        var hosts = LbHosts.Hosts(1, 1, 1);
        var ring = new RingHashTable(HashTableTestData.Shares(hosts), 1024, 8 << 20);

        Assert.Same(hosts[1], ring.Pick(XxHash64.Hash(Encoding.UTF8.GetBytes("10.0.0.2:8080_0"))));
        Assert.Same(hosts[2], ring.Pick(XxHash64.Hash(Encoding.UTF8.GetBytes("10.0.0.3:8080_341"))));
    }

    [Fact]
    public void Pick_Weights123_KeysProportionalWithinFivePercent()
    {
        var hosts = LbHosts.Hosts(1, 2, 3);
        var ring = new RingHashTable(HashTableTestData.Shares(hosts), 16_384, 8 << 20);
        var hashes = HashTableTestData.RequestHashes(60_000);

        var counts = LbHosts.Count(new Queue<ulong>(hashes) is var queue ? () => ring.Pick(queue.Dequeue()) : null!, hashes.Length);

        for (var i = 0; i < 3; i++)
        {
            Assert.InRange(counts.CountOf(hosts[i]), 10_000 * (i + 1) * 0.95, 10_000 * (i + 1) * 1.05);
        }
    }

    [Fact]
    public void Pick_OneOfTenHostsRemoved_ItsKeysAndUnderTenPercentOfOthersMove()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        var before = new RingHashTable(HashTableTestData.Shares(hosts), 1024, 8 << 20);
        var after = new RingHashTable(HashTableTestData.Shares(hosts[..9]), 1024, 8 << 20);
        var hashes = HashTableTestData.RequestHashes(20_000);

        // A survivor keeps its 103 entries and gains 11 (the ring is rescaled to 114 per host), which take over some
        // keys of the others: far from the 90% that modulo hashing would move.
        Assert.InRange(HashTableTestData.MovedFraction(before, after, hashes), 0.08, 0.20);
        HashTableTestData.AssertMinimalDisruption(before, after, hosts[9], hashes, slack: 0.10);
    }
}
