using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Tests.Upstream.LoadBalancing;

public sealed class RoundRobinPickerTests
{
    [Fact]
    public void Pick_Weights123_EdfSequenceExactAndInterleaved()
    {
        var hosts = LbHosts.Hosts(1, 2, 3);
        var picker = new RoundRobinPicker(hosts, new LbHosts.Fixed(0));

        var picks = Enumerable.Range(0, 600).Select(_ => Array.IndexOf(hosts, picker.Pick())).ToList();

        // Deadlines 1/w, 2/w...: C(1/3) B(1/2) C(2/3) then A, B, C all due at 1 (first queued first).
        Assert.Equal([2, 1, 2, 0, 1, 2], picks.Take(6));
        Assert.Equal([100, 200, 300], [.. Enumerable.Range(0, 3).Select(h => picks.Count(p => p == h))]);
        for (var i = 0; i + 6 <= picks.Count; i += 6)
        {
            Assert.Equal(picks.Take(6), picks.Skip(i).Take(6));
        }
    }

    [Fact]
    public void Pick_WeightsThreeToOne_EveryFourPicksHoldOneLight()
    {
        var hosts = LbHosts.Hosts(3, 1);
        var picker = new RoundRobinPicker(hosts, LbHosts.Seeded());

        var picks = Enumerable.Range(0, 400).Select(_ => picker.Pick()).ToList();

        for (var i = 0; i + 4 <= picks.Count; i += 4)
        {
            Assert.Equal(1, picks.Skip(i).Take(4).Count(p => ReferenceEquals(p, hosts[1])));
        }
    }

    [Fact]
    public void Pick_EqualWeights_RotatesThroughAll()
    {
        var hosts = LbHosts.Hosts(1, 1, 1);
        var picker = new RoundRobinPicker(hosts, new LbHosts.Fixed(0));

        Assert.Equal([hosts[0], hosts[1], hosts[2], hosts[0]], Enumerable.Range(0, 4).Select(_ => picker.Pick()));
    }

    [Fact]
    public void Pick_RandomStart_SameCycleFromAnotherOffset()
    {
        var hosts = LbHosts.Hosts(1, 1, 1, 1);
        var picker = new RoundRobinPicker(hosts, new LbHosts.Fixed(2));

        Assert.Equal([hosts[2], hosts[3], hosts[0]], Enumerable.Range(0, 3).Select(_ => picker.Pick()));
    }

    [Fact]
    public void Pick_CycleLongerThanTable_ExactProportionsUnderLock()
    {
        var hosts = LbHosts.Hosts(RoundRobinPicker.MaxCycleLength, RoundRobinPicker.MaxCycleLength + 1);
        var picker = new RoundRobinPicker(hosts, new LbHosts.Fixed(0));
        var cycle = (2 * RoundRobinPicker.MaxCycleLength) + 1;

        var counts = LbHosts.Count(picker.Pick, cycle);

        Assert.Equal(RoundRobinPicker.MaxCycleLength, counts.CountOf(hosts[0]));
        Assert.Equal(RoundRobinPicker.MaxCycleLength + 1, counts.CountOf(hosts[1]));
    }
}
