using System.Runtime.CompilerServices;

namespace MeshProxy.Core.Threading;

/// <summary>Where a suspended <see cref="DetachedTask"/> call lives until it finishes.</summary>
internal abstract class DetachedTaskBox
{
    /// <summary>Finished boxes kept per state machine type per thread (an event loop's connections ending in a burst).</summary>
    public const int MaxFreePerThread = 256;

    /// <summary>
    /// The box whose call just finished on this thread, set by the builder's SetResult/SetException and taken by
    /// that box's MoveNext once the state machine has returned. Per thread, not a field of the box: the call's
    /// previous step can still be unwinding on another thread (it registered a continuation that completed at
    /// once elsewhere), and that step must not see the finish and recycle the box a second time.
    /// </summary>
    [ThreadStatic]
    private static DetachedTaskBox? t_finished;

    private protected DetachedTaskBox()
    {
    }

    internal void MarkFinished() => t_finished = this;

    private protected bool TakeFinished()
    {
        if (!ReferenceEquals(t_finished, this))
        {
            return false;
        }

        t_finished = null;
        return true;
    }

    internal sealed class StateMachineBox<TStateMachine> : DetachedTaskBox
        where TStateMachine : IAsyncStateMachine
    {
        private static readonly ContextCallback RunInContext = state => ((StateMachineBox<TStateMachine>)state!).StateMachine!.MoveNext();

        private Action? _moveNext;

        internal TStateMachine? StateMachine;

        internal ExecutionContext? Context;

        internal Action MoveNextAction => _moveNext ??= MoveNext;

        internal static StateMachineBox<TStateMachine> Rent() =>
            PerThreadFreeList<StateMachineBox<TStateMachine>>.TryTake() ?? new StateMachineBox<TStateMachine>();

        private void MoveNext()
        {
            if (Context is { } context)
            {
                ExecutionContext.Run(context, RunInContext, this);
            }
            else
            {
                StateMachine!.MoveNext();
            }

            if (TakeFinished())
            {
                Recycle();
            }
        }

        private void Recycle()
        {
            StateMachine = default;
            Context = null;
            PerThreadFreeList<StateMachineBox<TStateMachine>>.Return(this, MaxFreePerThread);
        }
    }
}
