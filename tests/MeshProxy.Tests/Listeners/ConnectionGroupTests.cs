using MeshProxy.Core.Listeners;

namespace MeshProxy.Tests.Listeners;

public sealed class ConnectionGroupTests
{
    [Fact]
    public void StartDrain_Empty_SignalsDrainAndFinishesAtOnce()
    {
        using var group = new ConnectionGroup();
        var finished = 0;
        var signalled = false;
        group.DrainToken.Register(() => signalled = true);

        group.StartDrain(TimeSpan.FromMinutes(10), TimeProvider.System, _ => finished++);
        group.StartDrain(TimeSpan.FromMinutes(10), TimeProvider.System, _ => finished++);

        Assert.True(signalled);
        Assert.True(group.IsDraining);
        Assert.Equal(1, finished);
    }

    [Fact]
    public void DrainToken_BeforeDrain_NotCancelled()
    {
        using var group = new ConnectionGroup();

        Assert.False(group.DrainToken.IsCancellationRequested);
        Assert.True(group.DrainToken.CanBeCanceled);
    }
}
