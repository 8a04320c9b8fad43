using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Client;

public sealed class ExponentialBackoffTests
{
    [Fact]
    public void Next_ConsecutiveFailures_CeilingDoublesUpToMax()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), new FixedRandom(1.0));

        var delays = Enumerable.Range(0, 9).Select(_ => backoff.Next().TotalMilliseconds).ToArray();

        Assert.Equal([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000], delays);
    }

    [Fact]
    public void Next_FullJitter_ScalesCeilingByRandom()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), new FixedRandom(0.25));

        backoff.Next();

        Assert.Equal(250, backoff.Next().TotalMilliseconds);
    }

    [Fact]
    public void Reset_AfterFailures_StartsFromBase()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), new FixedRandom(1.0));
        backoff.Next();
        backoff.Next();

        backoff.Reset();

        Assert.Equal(500, backoff.Next().TotalMilliseconds);
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
