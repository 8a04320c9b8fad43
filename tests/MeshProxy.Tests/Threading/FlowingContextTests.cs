using MeshProxy.Core.Threading;
using MeshProxy.Tests.Transport.Epoll;

namespace MeshProxy.Tests.Threading;

public sealed class FlowingContextTests
{
    private static readonly AsyncLocal<string?> Flowing = new();

    [Fact]
    public void Capture_DefaultContext_IsNull_AnAsyncLocalMakesItFlow()
    {
        ExecutionContext? raw = null;
        ExecutionContext? plain = ExecutionContext.Capture(); // overwritten on the thread below
        ExecutionContext? withValue = null;
        var thread = new Thread(() =>
        {
            raw = ExecutionContext.Capture();
            plain = FlowingContext.Capture();
            Flowing.Value = "set";
            withValue = FlowingContext.Capture();
        });
        thread.UnsafeStart(); // no context flows in: the thread starts in the default one
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));

        Assert.NotNull(raw); // what the runtime hands out for the default context: an object, not null
        Assert.Null(plain);
        Assert.NotNull(withValue);
    }

    [Fact]
    public async Task EventLoop_RunsInTheDefaultContext_WhateverItsStarterHad()
    {
        Flowing.Value = "starter"; // flowed into the loop thread when it was started with Thread.Start
        using var rig = new LoopPipeRig();

        var onLoop = await rig.OnLoop(_ => (Value: Flowing.Value, Context: FlowingContext.Capture()));

        Assert.Null(onLoop.Value);
        Assert.Null(onLoop.Context);
    }

    [Fact]
    public void Capture_FlowSuppressed_IsNull()
    {
        Flowing.Value = "set";
        using (ExecutionContext.SuppressFlow())
        {
            Assert.Null(FlowingContext.Capture());
        }

        Assert.NotNull(FlowingContext.Capture());
    }
}
