using MeshProxy.Core.Threading;

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
