using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class RandomPickerTests
{
    [Fact]
    public void Pick_100kPicks_UniformWithinThreePercent()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1, 1);
        var picker = new RandomPicker(hosts, LbHosts.Seeded(7));

        var counts = LbHosts.Count(picker.Pick, 100_000);

        Assert.All(hosts, h => Assert.InRange(counts.CountOf(h), 19_400, 20_600));
    }

    [Fact]
    public void Pick_Weights_IgnoredAsInEnvoy()
    {
        var hosts = LbHosts.Hosts(1, 9);
        var picker = new RandomPicker(hosts, LbHosts.Seeded(7));

        var counts = LbHosts.Count(picker.Pick, 100_000);

        Assert.InRange(counts.CountOf(hosts[0]), 49_000, 51_000);
    }
}
