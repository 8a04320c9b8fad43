using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace MeshProxy.Core.Transport.Epoll;

internal sealed partial class LoopPipe
{
    /// <summary>
    /// The writing end. On the loop every call goes straight to the pipe's state; elsewhere it is marshalled (see the
    /// pipe's remarks). Also the one reusable source of every flush that waits for back-pressure to ease.
    /// </summary>
    // The off-loop paths are methods of their own, as in the reader: no closure allocated on the loop's path.
    private sealed class LoopPipeWriter(LoopPipe pipe) : PipeWriter, IValueTaskSource<FlushResult>
    {
        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => pipe._unflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) =>
            pipe.OnLoop ? pipe.GetMemoryCore(sizeHint) : GetMemoryOffLoop(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) =>
            pipe.OnLoop ? pipe.GetMemoryCore(sizeHint).Span : GetMemoryOffLoop(sizeHint).Span;

        public override void Advance(int bytes)
        {
            if (pipe.OnLoop)
            {
                pipe.AdvanceCore(bytes);
                return;
            }

            AdvanceOffLoop(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            pipe.OnLoop ? pipe.FlushCore(cancellationToken) : FlushOffLoop(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
            pipe.OnLoop ? pipe.WriteCore(source.Span, cancellationToken) : WriteOffLoop(source, cancellationToken);

        public override void CancelPendingFlush() => pipe.RunOnLoop(static p => p.CancelPendingFlushCore());

        public override void Complete(Exception? exception = null)
        {
            if (pipe.OnLoop)
            {
                pipe.CompleteWriterCore(exception);
                return;
            }

            CompleteOffLoop(exception);
        }

        public ValueTaskSourceStatus GetStatus(short token) => pipe.GetFlushStatus();

        public FlushResult GetResult(short token) =>
            pipe.OnLoop ? pipe.GetFlushResultCore() : pipe.Invoke(static p => p.GetFlushResultCore());

        // The flags are ignored on purpose, as for reads: the continuation runs on the loop, with no captured context.
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            if (pipe.OnLoop)
            {
                pipe.OnFlushCompletedCore(continuation, state);
                return;
            }

            OnCompletedOffLoop(continuation, state);
        }

        private Memory<byte> GetMemoryOffLoop(int sizeHint) => pipe.Invoke(p => p.GetMemoryCore(sizeHint));

        private void AdvanceOffLoop(int bytes) => _ = pipe.Invoke(p =>
        {
            p.AdvanceCore(bytes);
            return true;
        });

        private ValueTask<FlushResult> FlushOffLoop(CancellationToken cancellationToken) =>
            pipe.Invoke(p => p.FlushCore(cancellationToken));

        private ValueTask<FlushResult> WriteOffLoop(ReadOnlyMemory<byte> source, CancellationToken cancellationToken) =>
            pipe.Invoke(p => p.WriteCore(source.Span, cancellationToken));

        private void CompleteOffLoop(Exception? exception) => pipe.RunOnLoop(p => p.CompleteWriterCore(exception));

        private void OnCompletedOffLoop(Action<object?> continuation, object? state) =>
            pipe.RunOnLoop(p => p.OnFlushCompletedCore(continuation, state));
    }
}
