using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace MeshProxy.Core.Transport.Epoll;

internal sealed partial class LoopPipe
{
    /// <summary>
    /// The reading end. On the loop every call goes straight to the pipe's state; elsewhere it is marshalled (see the
    /// pipe's remarks). Also the one reusable source of every pending <see cref="ReadAsync"/>.
    /// </summary>
    // The off-loop paths are methods of their own: a lambda capturing a parameter allocates its closure on entry to
    // the method that declares it, which would charge every on-loop call.
    private sealed class LoopPipeReader(LoopPipe pipe) : PipeReader, IValueTaskSource<ReadResult>
    {
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            pipe.OnLoop ? pipe.ReadCore(cancellationToken) : ReadOffLoop(cancellationToken);

        public override bool TryRead(out ReadResult result)
        {
            if (pipe.OnLoop)
            {
                return pipe.TryReadCore(out result);
            }

            (bool read, result) = pipe.Invoke(static p => (p.TryReadCore(out ReadResult r), r));
            return read;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (pipe.OnLoop)
            {
                pipe.AdvanceToCore(consumed, examined);
                return;
            }

            AdvanceToOffLoop(consumed, examined);
        }

        public override void CancelPendingRead() => pipe.RunOnLoop(static p => p.CancelPendingReadCore());

        public override void Complete(Exception? exception = null)
        {
            if (pipe.OnLoop)
            {
                pipe.CompleteReaderCore(exception);
                return;
            }

            CompleteOffLoop(exception);
        }

        public ValueTaskSourceStatus GetStatus(short token) => pipe.GetReadStatus();

        public ReadResult GetResult(short token) =>
            pipe.OnLoop ? pipe.GetReadResultCore() : pipe.Invoke(static p => p.GetReadResultCore());

        // The flags are ignored on purpose: no ExecutionContext, no SynchronizationContext (as Pipe with
        // useSynchronizationContext: false); the continuation runs on the loop.
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            if (pipe.OnLoop)
            {
                pipe.OnReadCompletedCore(continuation, state);
                return;
            }

            OnCompletedOffLoop(continuation, state);
        }

        private ValueTask<ReadResult> ReadOffLoop(CancellationToken cancellationToken) =>
            pipe.Invoke(p => p.ReadCore(cancellationToken));

        private void AdvanceToOffLoop(SequencePosition consumed, SequencePosition examined) => _ = pipe.Invoke(p =>
        {
            p.AdvanceToCore(consumed, examined);
            return true;
        });

        private void CompleteOffLoop(Exception? exception) => pipe.RunOnLoop(p => p.CompleteReaderCore(exception));

        private void OnCompletedOffLoop(Action<object?> continuation, object? state) =>
            pipe.RunOnLoop(p => p.OnReadCompletedCore(continuation, state));
    }
}
