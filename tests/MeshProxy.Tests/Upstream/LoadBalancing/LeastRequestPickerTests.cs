using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class LeastRequestPickerTests
{
    [Fact]
    public void Pick_EqualWeightsTwoChoices_LessLoadedHostWinsUnlessBothSamplesAreTheBusyOne()
    {
        var hosts = LbHosts.Hosts(1, 1);
        for (var i = 0; i < 10; i++)
        {
            hosts[0].IncrementActiveRequests();
        }

        var picker = new LeastRequestPicker(hosts, LbHosts.Seeded(), choiceCount: 2, activeRequestBias: 1.0);

        var counts = LbHosts.Count(picker.Pick, 20_000);

        // The busy host is only taken when both samples are it: 1/4.
        Assert.InRange(counts.CountOf(hosts[0]) / 20_000.0, 0.23, 0.27);
    }

    [Fact]
    public void Pick_MoreChoices_BusyHostRarer()
    {
        var hosts = LbHosts.Hosts(1, 1);
        hosts[0].IncrementActiveRequests();
        var picker = new LeastRequestPicker(hosts, LbHosts.Seeded(), choiceCount: 4, activeRequestBias: 1.0);

        var counts = LbHosts.Count(picker.Pick, 20_000);

        Assert.InRange(counts.CountOf(hosts[0]) / 20_000.0, 0.05, 0.075); // (1/2)^4
    }

    [Fact]
    public void Pick_EqualLoad_AllHostsUsed()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1);
        var picker = new LeastRequestPicker(hosts, LbHosts.Seeded(), 2, 1.0);

        var counts = LbHosts.Count(picker.Pick, 40_000);

        Assert.All(hosts, h => Assert.InRange(counts.CountOf(h), 9_000, 11_000));
    }

    [Fact]
    public void Pick_UnequalWeights_WeightDividedByActiveRequestsPlusOne()
    {
        var hosts = LbHosts.Hosts(4, 1);
        for (var i = 0; i < 7; i++)
        {
            hosts[0].IncrementActiveRequests();
        }

        var picker = new LeastRequestPicker(hosts, LbHosts.Seeded(), 2, activeRequestBias: 1.0);

        var counts = LbHosts.Count(picker.Pick, 3_000);

        // Effective weights 4/8 and 1/1: one pick of the heavy host for two of the light one.
        Assert.InRange(counts.CountOf(hosts[0]), 990, 1_010);
    }

    [Fact]
    public void Pick_BiasZero_PlainWeightedRoundRobin()
    {
        var hosts = LbHosts.Hosts(3, 1);
        for (var i = 0; i < 100; i++)
        {
            hosts[0].IncrementActiveRequests();
        }

        var picker = new LeastRequestPicker(hosts, LbHosts.Seeded(), 2, activeRequestBias: 0.0);

        var counts = LbHosts.Count(picker.Pick, 4_000);

        Assert.InRange(counts.CountOf(hosts[0]), 2_990, 3_010);
    }

    [Fact]
    public void ActiveRequests_IncrementThenDecrement_BackToZero()
    {
        var host = LbHosts.Host(1);
        host.IncrementActiveRequests();
        host.IncrementActiveRequests();
        Assert.Equal(2, host.ActiveRequests);

        host.DecrementActiveRequests();
        host.DecrementActiveRequests();

        Assert.Equal(0, host.ActiveRequests);
    }
}
