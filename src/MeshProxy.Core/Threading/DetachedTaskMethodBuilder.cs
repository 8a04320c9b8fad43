using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace MeshProxy.Core.Threading;

/// <summary>
/// Builds <see cref="DetachedTask"/> methods. A call that completes synchronously needs no box. A call that suspends
/// moves its state machine into a <see cref="DetachedTaskBox.StateMachineBox{TStateMachine}"/> rented from the
/// thread's free list; the box goes back to the free list of the thread that finishes the call, once the box's
/// MoveNext has returned (not inside SetResult, while the state machine is still on the stack).
/// </summary>
internal struct DetachedTaskMethodBuilder
{
    private DetachedTaskBox? _box;

    /// <summary>
    /// Where an exception that escapes a <see cref="DetachedTask"/> method goes. By default it is rethrown on the
    /// thread pool, as <c>async void</c> does without a synchronization context: the process fails loudly instead of
    /// losing the error. Tests swap it to observe the exception without crashing the test host.
    /// </summary>
    internal static Action<Exception> UnhandledException { get; set; } = RethrowOnThreadPool;

#pragma warning disable CA1000 // The compiler creates a builder through its static Create().
    public static DetachedTaskMethodBuilder Create() => default;
#pragma warning restore CA1000

#pragma warning disable CA1822 // The compiler calls the builder pattern's members on the instance.
    public readonly DetachedTask Task => default;

    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine =>
        AsyncValueTaskMethodBuilder.Create().Start(ref stateMachine); // restores the caller's contexts after the first step

    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
        // Boxing is done by AwaitOnCompleted/AwaitUnsafeOnCompleted.
    }
#pragma warning restore CA1822

    public readonly void SetResult() => _box?.MarkFinished();

    public readonly void SetException(Exception exception)
    {
        UnhandledException(exception);
        _box?.MarkFinished(); // last: a handler that runs other calls inline must not take this call's mark
    }

    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(GetBox(ref stateMachine).MoveNextAction);

    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(GetBox(ref stateMachine).MoveNextAction);

    private DetachedTaskBox.StateMachineBox<TStateMachine> GetBox<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        var context = FlowingContext.Capture();
        if (_box is DetachedTaskBox.StateMachineBox<TStateMachine> existing)
        {
            existing.Context = context;
            return existing;
        }

        var box = DetachedTaskBox.StateMachineBox<TStateMachine>.Rent();
        _box = box; // before the copy below, so the builder inside the boxed state machine points at its box too
        box.StateMachine = stateMachine;
        box.Context = context;
        return box;
    }

    private static void RethrowOnThreadPool(Exception exception) =>
        ThreadPool.QueueUserWorkItem(static state => state.Throw(), ExceptionDispatchInfo.Capture(exception), preferLocal: false);
}
