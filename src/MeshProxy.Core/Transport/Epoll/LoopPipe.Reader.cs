using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace MeshProxy.Core.Transport.Epoll;

internal sealed partial class LoopPipe
{
    /// <summary>
    /// The reading end of one lease of the pipe. On the loop every call goes straight to the pipe's state; elsewhere
    /// it is marshalled (see the pipe's remarks). Also the one reusable source of every pending <see cref="ReadAsync"/>.
    /// Once its lease is over (the pipe recycled, <see cref="Rent"/>), data calls throw and cancel/complete do nothing:
    /// the check runs on the loop, so a call queued before the recycle and run after it is refused too.
    /// </summary>
    // The off-loop paths are methods of their own: a lambda capturing a parameter allocates its closure on entry to
    // the method that declares it, which would charge every on-loop call.
    private sealed class LoopPipeReader(LoopPipe pipe, int lease) : PipeReader, IValueTaskSource<ReadResult>
    {
        private readonly LoopPipe _pipe = pipe;
        private readonly int _lease = lease;

        private bool IsStale => _pipe._lease != _lease;

        /// <summary>The pipe, if this end's lease is current.</summary>
        private LoopPipe Pipe => IsStale ? throw StaleEnd() : _pipe;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            _pipe.OnLoop ? Pipe.ReadCore(cancellationToken) : ReadOffLoop(cancellationToken);

        public override bool TryRead(out ReadResult result)
        {
            if (_pipe.OnLoop)
            {
                return Pipe.TryReadCore(out result);
            }

            (bool read, result) = _pipe.Invoke(this, static r => (r.Pipe.TryReadCore(out ReadResult x), x));
            return read;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (_pipe.OnLoop)
            {
                Pipe.AdvanceToCore(consumed, examined);
                return;
            }

            AdvanceToOffLoop(consumed, examined);
        }

        public override void CancelPendingRead() => _pipe.RunOnLoop(this, static r =>
        {
            if (!r.IsStale)
            {
                r._pipe.CancelPendingReadCore();
            }
        });

        public override void Complete(Exception? exception = null)
        {
            if (_pipe.OnLoop)
            {
                if (!IsStale)
                {
                    _pipe.CompleteReaderCore(exception);
                }

                return;
            }

            CompleteOffLoop(exception);
        }

        public ValueTaskSourceStatus GetStatus(short token) => Pipe.GetReadStatus();

        public ReadResult GetResult(short token) =>
            _pipe.OnLoop ? Pipe.GetReadResultCore() : _pipe.Invoke(this, static r => r.Pipe.GetReadResultCore());

        // The flags are ignored on purpose: no ExecutionContext, no SynchronizationContext (as Pipe with
        // useSynchronizationContext: false); the continuation runs on the loop.
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            if (_pipe.OnLoop)
            {
                Pipe.OnReadCompletedCore(continuation, state);
                return;
            }

            OnCompletedOffLoop(continuation, state);
        }

        /// <summary>A read's cancellation token fired (on any thread).</summary>
        public void OnTokenCanceled() => _pipe.RunOnLoop(this, static r =>
        {
            if (!r.IsStale)
            {
                r._pipe.OnReadTokenCanceledCore();
            }
        });

        /// <summary>The work item <see cref="ScheduleRecycle"/> queued: recycles the pipe if this lease is over.</summary>
        public void RecycleOnLoop() => _pipe.TryRecycle(_lease);

        private static InvalidOperationException StaleEnd() =>
            new("The pipe reader belongs to a connection that is finished; its pipe now serves another.");

        private ValueTask<ReadResult> ReadOffLoop(CancellationToken cancellationToken) =>
            _pipe.Invoke(this, r => r.Pipe.ReadCore(cancellationToken));

        private void AdvanceToOffLoop(SequencePosition consumed, SequencePosition examined) => _ = _pipe.Invoke(this, r =>
        {
            r.Pipe.AdvanceToCore(consumed, examined);
            return true;
        });

        private void CompleteOffLoop(Exception? exception) => _pipe.RunOnLoop(this, r =>
        {
            if (!r.IsStale)
            {
                r._pipe.CompleteReaderCore(exception);
            }
        });

        private void OnCompletedOffLoop(Action<object?> continuation, object? state) =>
            _pipe.RunOnLoop(this, r => r.Pipe.OnReadCompletedCore(continuation, state));
    }
}
