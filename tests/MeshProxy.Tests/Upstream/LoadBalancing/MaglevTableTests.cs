using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class MaglevTableTests
{
    private const ulong Size = 65537;

    [Fact]
    public void Pick_SameHash_SameHost()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1);
        var table = new MaglevTable(HashTableTestData.Shares(hosts), Size);
        var rebuilt = new MaglevTable(HashTableTestData.Shares(hosts), Size);

        Assert.All(HashTableTestData.RequestHashes(1_000), h => Assert.Same(table.Pick(h), rebuilt.Pick(h)));
    }

    [Fact]
    public void Pick_Weights123_TableSharesWithinOnePercent()
    {
        var hosts = LbHosts.Hosts(1, 2, 3);
        var table = new MaglevTable(HashTableTestData.Shares(hosts), Size);

        var slot = 0UL;
        var counts = LbHosts.Count(() => table.Pick(slot++), (int)Size);

        for (var i = 0; i < 3; i++)
        {
            Assert.InRange(counts.CountOf(hosts[i]) / (double)Size, ((i + 1) / 6.0) - 0.01, ((i + 1) / 6.0) + 0.01);
        }
    }

    [Fact]
    public void Pick_EqualWeights_EverySlotFilledEvenly()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1, 1, 1, 1);
        var table = new MaglevTable(HashTableTestData.Shares(hosts), Size);

        var slot = 0UL;
        var counts = LbHosts.Count(() => table.Pick(slot++), (int)Size);

        // Each round gives every host one slot: counts differ by at most one.
        Assert.True(counts.Values.Max() - counts.Values.Min() <= 1);
    }

    [Fact]
    public void Pick_OneOfTenHostsRemoved_ItsKeysAndUnderOnePercentOfOthersMove()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        var before = new MaglevTable(HashTableTestData.Shares(hosts), Size);
        var after = new MaglevTable(HashTableTestData.Shares(hosts[..9]), Size);
        var hashes = HashTableTestData.RequestHashes(20_000);

        Assert.InRange(HashTableTestData.MovedFraction(before, after, hashes), 0.08, 0.12);
        HashTableTestData.AssertMinimalDisruption(before, after, hosts[9], hashes, slack: 0.01);
    }

    [Fact]
    public void Pick_SmallPrimeTable_HashModuloSize()
    {
        var hosts = LbHosts.Hosts(1, 1);
        var table = new MaglevTable(HashTableTestData.Shares(hosts), 13);

        Assert.Same(table.Pick(3), table.Pick(16));
    }
}
