using System.Net;
using MeshProxy.Core.Stats;

namespace MeshProxy.Tests.Stats;

public sealed class StatsStoreTests
{
    [Fact(Timeout = 10_000)]
    public async Task GetCounter_SameNameTwice_ReturnsSameCounter()
    {
        await Task.Yield();
        var store = new StatsStore();

        store.GetCounter("cluster.a.upstream_cx_total").Increment();
        store.GetCounter("cluster.a.upstream_cx_total").Increment(2);

        Assert.Same(store.GetCounter("cluster.a.upstream_cx_total"), store.GetCounter("cluster.a.upstream_cx_total"));
        Assert.Equal(3, store.GetCounter("cluster.a.upstream_cx_total").Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task Counter_IncrementedFromManyThreads_CountsEveryIncrement()
    {
        var counter = new StatsStore().GetCounter("c");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                counter.Increment();
            }
        })));

        Assert.Equal(400_000, counter.Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task Snapshot_CountersAndGauges_SortedByName()
    {
        await Task.Yield();
        var store = new StatsStore();
        store.GetCounter("b").Increment(2);
        var gauge = store.GetGauge("a");
        gauge.Increment(5);
        gauge.Decrement();
        store.GetCounter("c").Increment();

        Assert.Equal([("a", 4L), ("b", 2L), ("c", 1L)], store.Snapshot());
    }

    [Fact(Timeout = 10_000)]
    public async Task AddressForStatName_Ipv4AndIpv6_EnvoySpelling()
    {
        await Task.Yield();
        Assert.Equal("0.0.0.0_15001", StatsStore.AddressForStatName(new IPEndPoint(IPAddress.Any, 15001)));
        Assert.Equal("[__1]_10000", StatsStore.AddressForStatName(new IPEndPoint(IPAddress.IPv6Loopback, 10000)));
    }
}
