using System.Runtime.CompilerServices;
using MeshProxy.Core.Threading;

namespace MeshProxy.Tests.Threading;

public sealed class PooledValueTaskMethodBuilderTests
{
    private static readonly AsyncLocal<string?> Flowing = new();

    [Fact]
    public async Task SynchronousResult_NeedsNoBox()
    {
        var task = AddAsync(1, 2, null);

        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(3, await task);
    }

    [Fact]
    public async Task SuspendedCall_CompletesWithItsResult()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = AddAsync(2, 3, gate.Task);

        Assert.False(task.IsCompleted);
        gate.SetResult();
        Assert.Equal(5, await task);
    }

    [Fact]
    public async Task Exceptions_BeforeAndAfterSuspension_SurfaceOnAwait()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await ThrowAsync(null));

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = ThrowAsync(gate.Task);
        gate.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await task);
    }

    [Fact]
    public async Task NonGenericCall_Completes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = WaitAsync(gate.Task);

        Assert.False(task.IsCompleted);
        gate.SetResult();
        await task;
        await WaitAsync(null);
    }

    [Fact]
    public async Task ManySuspendedCalls_OverRounds_EachGetsItsOwnResult()
    {
        for (var round = 0; round < 3; round++)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var tasks = Enumerable.Range(0, 64).Select(i => AddAsync(i, 1, gate.Task)).ToArray();
            gate.SetResult();
            for (var i = 0; i < tasks.Length; i++)
            {
                Assert.Equal(i + 1, await tasks[i]);
            }
        }
    }

    [Fact]
    public async Task ExecutionContext_FlowsAcrossTheSuspension()
    {
        Flowing.Value = "set before the call";
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = ReadFlowingAsync(gate.Task);
        Flowing.Value = null;
        _ = Task.Run(gate.SetResult);

        Assert.Equal("set before the call", await task);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<int> AddAsync(int a, int b, Task? gate)
    {
        if (gate is not null)
        {
            await gate.ConfigureAwait(false);
        }

        return a + b;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<int> ThrowAsync(Task? gate)
    {
        if (gate is not null)
        {
            await gate.ConfigureAwait(false);
        }

        throw new InvalidOperationException("thrown by the call");
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private static async ValueTask WaitAsync(Task? gate)
    {
        if (gate is not null)
        {
            await gate.ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<string?> ReadFlowingAsync(Task gate)
    {
        await gate.ConfigureAwait(false);
        return Flowing.Value;
    }
}
