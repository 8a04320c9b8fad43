using System.Runtime.CompilerServices;
using MeshProxy.Core.Threading;

namespace MeshProxy.Tests.Threading;

/// <summary>
/// Tests here swap <see cref="DetachedTaskMethodBuilder.UnhandledException"/>; xUnit runs one class's tests one at a
/// time, and the swap passes on every exception it does not expect, so other tests' errors are not lost.
/// </summary>
public sealed class DetachedTaskMethodBuilderTests
{
    private static readonly AsyncLocal<string?> Flowing = new();

    /// <summary>Debug builds compile async state machines as classes, one object per call: the allocation checks
    /// then measure the compiler, not the builder.</summary>
    private static readonly bool StateMachinesAreStructs = typeof(DetachedTaskMethodBuilderTests).Assembly
        .GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
        is not [System.Diagnostics.DebuggableAttribute { IsJITOptimizerDisabled: true }];

    [Fact]
    public void SynchronousCompletion_AllocatesNothing()
    {
        var signal = new InlineSignal();
        signal.Signal(); // already signalled: the await does not suspend
        var done = new StrongBox<int>();
        _ = CountAsync(signal, done);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            signal.Signal();
            _ = CountAsync(signal, done);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1001, done.Value);
        if (StateMachinesAreStructs)
        {
            Assert.Equal(0, allocated);
        }
    }

    [Fact]
    public void SuspendedCall_ResumesWhereItWaited()
    {
        var signal = new InlineSignal();
        var done = new StrongBox<int>();

        _ = CountAsync(signal, done);
        Assert.Equal(0, done.Value);
        signal.Signal();

        Assert.Equal(1, done.Value);
    }

    [Fact]
    public void SuspendedCalls_OnOneThread_ReuseTheirBoxes()
    {
        var signal = new InlineSignal();
        var done = new StrongBox<int>();
        for (var i = 0; i < 100; i++)
        {
            _ = CountAsync(signal, done);
            signal.Signal();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            _ = CountAsync(signal, done);
            signal.Signal();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(10_100, done.Value);
        if (StateMachinesAreStructs)
        {
            Assert.True(allocated < 1024, $"{allocated} bytes over 10000 suspended calls");
        }
    }

    [Fact]
    public void ManyCallsSuspendedAtOnce_EachResumesWithItsOwnState()
    {
        const int Calls = DetachedTaskBox.MaxFreePerThread + 50; // more than a free list keeps
        for (var round = 0; round < 3; round++)
        {
            var signals = Enumerable.Range(0, Calls).Select(_ => new InlineSignal()).ToArray();
            var results = new int[Calls];
            for (var i = 0; i < Calls; i++)
            {
                _ = StoreAsync(signals[i], results, i);
            }

            for (var i = Calls - 1; i >= 0; i--)
            {
                signals[i].Signal();
            }

            Assert.Equal(Enumerable.Range(1, Calls), results);
        }
    }

    [Fact]
    public async Task CallFinishingOnAnotherThread_Completes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource<Thread>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The call starts on a thread of its own, which has ended before the gate opens: the call cannot finish there.
        // (Started on the test's pool thread, it could: the gate's continuation may be queued to that very thread.)
        // Threads compared as objects: a managed thread id is reused once its thread has ended.
        var starter = new Thread(() => _ = FinishOnPoolAsync(gate.Task, finished));
        starter.UnsafeStart();
        Assert.True(starter.Join(TimeSpan.FromSeconds(10)));
        gate.SetResult();

        Assert.NotSame(starter, await finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ExecutionContext_FlowsAcrossTheSuspension()
    {
        Flowing.Value = "set before the call";
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ReadFlowingAsync(gate.Task, seen);
        Flowing.Value = null;
        _ = Task.Run(gate.SetResult);

        Assert.Equal("set before the call", await seen.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void CallFinishingOnAnotherThread_WhileItsStepUnwinds_GoesBackToTheFinishingThreadOnly()
    {
        long secondCallAllocated = -1;
        var done = new StrongBox<int>();
        var thread = new Thread(() =>
        {
            // A fresh thread: its free list for HopAsync starts empty.
            var signal = new InlineSignal();
            _ = HopAsync(signal, done);
            signal.Signal(); // resumes here; the next await finishes the call on another thread before returning

            var before = GC.GetAllocatedBytesForCurrentThread();
            _ = HopAsync(signal, done); // suspends: needs a box, and this thread has none to give back
            secondCallAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));

        Assert.Equal(1, done.Value);
        if (StateMachinesAreStructs)
        {
            Assert.True(secondCallAllocated > 0, "the box went back to the thread whose step was still unwinding");
        }
    }

    [Fact]
    public void Exceptions_BeforeAndAfterSuspension_GoToTheUnhandledHandler()
    {
        var caught = new List<Exception>();
        var previous = DetachedTaskMethodBuilder.UnhandledException;
        DetachedTaskMethodBuilder.UnhandledException = e =>
        {
            if (e is ExpectedException)
            {
                caught.Add(e);
            }
            else
            {
                previous(e);
            }
        };
        try
        {
            var signal = new InlineSignal();
            signal.Signal();
            _ = ThrowAsync(signal, "before suspension");
            Assert.Equal("before suspension", Assert.Single(caught).Message);

            _ = ThrowAsync(signal, "after suspension");
            Assert.Single(caught);
            signal.Signal();
            Assert.Equal("after suspension", caught[1].Message);

            // A call that threw still gives its box back.
            for (var i = 0; i < 100; i++)
            {
                _ = ThrowAsync(signal, "warm-up");
                signal.Signal();
            }

            caught.Clear();
            caught.Capacity = 2000;
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                _ = ThrowAsync(signal, "measured");
                signal.Signal();
            }

            var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000.0;
            Assert.Equal(1000, caught.Count);
            // Each call allocates its exception (and its stack trace); a box (~100+ bytes) per call would show on top.
            var exceptionOnly = MeasureException();
            Assert.True(!StateMachinesAreStructs || perCall < exceptionOnly + 64, $"{perCall:F0} bytes per throwing call, {exceptionOnly:F0} for the exception alone");
        }
        finally
        {
            DetachedTaskMethodBuilder.UnhandledException = previous;
        }
    }

    private static double MeasureException()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            try
            {
                throw new ExpectedException("measured");
            }
            catch (ExpectedException)
            {
            }
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 1000.0;
    }

    private static async DetachedTask CountAsync(InlineSignal signal, StrongBox<int> done)
    {
        await signal;
        done.Value++;
    }

    private static async DetachedTask StoreAsync(InlineSignal signal, int[] results, int index)
    {
        var value = index + 1; // lives in the box across the await
        await signal;
        results[index] = value;
    }

    private static async DetachedTask FinishOnPoolAsync(Task gate, TaskCompletionSource<Thread> finished)
    {
        await gate.ConfigureAwait(false);
        finished.SetResult(Thread.CurrentThread);
    }

    private static async DetachedTask ReadFlowingAsync(Task gate, TaskCompletionSource<string?> seen)
    {
        await gate.ConfigureAwait(false);
        seen.SetResult(Flowing.Value);
    }

    private static async DetachedTask HopAsync(InlineSignal signal, StrongBox<int> done)
    {
        await signal;
        await new HopToOtherThread();
        done.Value++;
    }

    private static async DetachedTask ThrowAsync(InlineSignal signal, string message)
    {
        await signal;
        throw new ExpectedException(message);
    }

    private sealed class ExpectedException(string message) : Exception(message);

    /// <summary>Runs the continuation to its end on a new thread before UnsafeOnCompleted returns.</summary>
    private readonly struct HopToOtherThread : ICriticalNotifyCompletion
    {
        public bool IsCompleted => false;

        public HopToOtherThread GetAwaiter() => this;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

        public void UnsafeOnCompleted(Action continuation)
        {
            var other = new Thread(() => continuation());
            other.Start();
            other.Join();
        }
    }

    /// <summary>One waiter; <see cref="Signal"/> resumes it inline, like the epoll loop's readiness signals.</summary>
    private sealed class InlineSignal : ICriticalNotifyCompletion
    {
        private Action? _continuation;
        private bool _signaled;

        public bool IsCompleted => _signaled;

        public InlineSignal GetAwaiter() => this;

        public void GetResult() => _signaled = false;

        public void Signal()
        {
            if (_continuation is { } continuation)
            {
                _continuation = null;
                continuation();
            }
            else
            {
                _signaled = true;
            }
        }

        public void OnCompleted(Action continuation) => _continuation = continuation;

        public void UnsafeOnCompleted(Action continuation) => _continuation = continuation;
    }
}
