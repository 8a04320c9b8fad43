using MeshProxy.Core.Threading;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Threading;

public sealed class TimeoutSourcePoolTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    [Fact]
    public void Rent_AfterAnUnfiredReturn_ReusesTheSourceNotCancelled()
    {
        var first = TimeoutSourcePool.Rent(Long, TimeProvider.System);
        TimeoutSourcePool.Return(first);

        var second = TimeoutSourcePool.Rent(Long, TimeProvider.System);
        try
        {
            Assert.Same(first, second);
            Assert.False(second.IsCancellationRequested);
        }
        finally
        {
            TimeoutSourcePool.Return(second);
        }
    }

    [Fact]
    public async Task ReusedSource_FiresAfterItsNewTimeout()
    {
        TimeoutSourcePool.Return(TimeoutSourcePool.Rent(Long, TimeProvider.System));
        var source = TimeoutSourcePool.Rent(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = source.Token.Register(() => fired.SetResult());

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));

        TimeoutSourcePool.Return(source);
    }

    [Fact]
    public async Task Return_AfterTheTimeoutFired_DisposesInsteadOfKeeping()
    {
        var fired = TimeoutSourcePool.Rent(TimeSpan.FromMilliseconds(1), TimeProvider.System);
        while (!fired.IsCancellationRequested)
        {
            await Task.Delay(5);
        }

        // Same thread for Return and Rent: the pool is per thread.
        var next = await Task.Factory.StartNew(
            () =>
            {
                TimeoutSourcePool.Return(fired);
                return TimeoutSourcePool.Rent(Long, TimeProvider.System);
            },
            CancellationToken.None,
            TaskCreationOptions.None,
            TaskScheduler.Default);

        Assert.NotSame(fired, next);
        Assert.False(next.IsCancellationRequested);
        next.Dispose();
    }

    [Fact]
    public void OtherTimeProvider_UsesItsClockAndIsNeverKept()
    {
        var time = new FakeTimeProvider();
        var source = TimeoutSourcePool.Rent(TimeSpan.FromSeconds(1), time);
        Assert.False(source.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(source.IsCancellationRequested);

        var unfired = TimeoutSourcePool.Rent(TimeSpan.FromSeconds(1), time);
        TimeoutSourcePool.Return(unfired);
        var next = TimeoutSourcePool.Rent(TimeSpan.FromSeconds(1), time);

        Assert.NotSame(unfired, next);
        TimeoutSourcePool.Return(source);
        TimeoutSourcePool.Return(next);
    }

    [Fact]
    public void Rent_ZeroTimeout_IsCancelledAlready()
    {
        TimeoutSourcePool.Return(TimeoutSourcePool.Rent(Long, TimeProvider.System));

        var source = TimeoutSourcePool.Rent(TimeSpan.Zero, TimeProvider.System);

        Assert.True(source.IsCancellationRequested);
        TimeoutSourcePool.Return(source);
    }
}
