using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace MeshProxy.Core.Transport.Epoll;

internal sealed partial class LoopPipe
{
    /// <summary>
    /// The writing end of one lease of the pipe. On the loop every call goes straight to the pipe's state; elsewhere
    /// it is marshalled (see the pipe's remarks). Also the one reusable source of every flush that waits for
    /// back-pressure to ease. Once its lease is over, data calls throw and cancel/complete do nothing (checked on
    /// the loop, as the reader's).
    /// </summary>
    // The off-loop paths are methods of their own, as in the reader: no closure allocated on the loop's path.
    private sealed class LoopPipeWriter(LoopPipe pipe, int lease) : PipeWriter, IValueTaskSource<FlushResult>
    {
        private readonly LoopPipe _pipe = pipe;
        private readonly int _lease = lease;

        public override bool CanGetUnflushedBytes => true;

        /// <summary>0 once the lease is over: the count would be another connection's.</summary>
        public override long UnflushedBytes => IsStale ? 0 : _pipe._unflushedBytes;

        private bool IsStale => _pipe._lease != _lease;

        /// <summary>The pipe, if this end's lease is current.</summary>
        private LoopPipe Pipe => IsStale ? throw StaleEnd() : _pipe;

        public override Memory<byte> GetMemory(int sizeHint = 0) =>
            _pipe.OnLoop ? Pipe.GetMemoryCore(sizeHint) : GetMemoryOffLoop(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) =>
            _pipe.OnLoop ? Pipe.GetMemoryCore(sizeHint).Span : GetMemoryOffLoop(sizeHint).Span;

        public override void Advance(int bytes)
        {
            if (_pipe.OnLoop)
            {
                Pipe.AdvanceCore(bytes);
                return;
            }

            AdvanceOffLoop(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            _pipe.OnLoop ? Pipe.FlushCore(cancellationToken) : FlushOffLoop(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
            _pipe.OnLoop ? Pipe.WriteCore(source.Span, cancellationToken) : WriteOffLoop(source, cancellationToken);

        public override void CancelPendingFlush() => _pipe.RunOnLoop(this, static w =>
        {
            if (!w.IsStale)
            {
                w._pipe.CancelPendingFlushCore();
            }
        });

        public override void Complete(Exception? exception = null)
        {
            if (_pipe.OnLoop)
            {
                if (!IsStale)
                {
                    _pipe.CompleteWriterCore(exception);
                }

                return;
            }

            CompleteOffLoop(exception);
        }

        public ValueTaskSourceStatus GetStatus(short token) => Pipe.GetFlushStatus();

        public FlushResult GetResult(short token) =>
            _pipe.OnLoop ? Pipe.GetFlushResultCore() : _pipe.Invoke(this, static w => w.Pipe.GetFlushResultCore());

        // The flags are ignored on purpose, as for reads: the continuation runs on the loop, with no captured context.
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        {
            if (_pipe.OnLoop)
            {
                Pipe.OnFlushCompletedCore(continuation, state);
                return;
            }

            OnCompletedOffLoop(continuation, state);
        }

        /// <summary>A flush's cancellation token fired (on any thread).</summary>
        public void OnTokenCanceled() => _pipe.RunOnLoop(this, static w =>
        {
            if (!w.IsStale)
            {
                w._pipe.OnFlushTokenCanceledCore();
            }
        });

        private static InvalidOperationException StaleEnd() =>
            new("The pipe writer belongs to a connection that is finished; its pipe now serves another.");

        private Memory<byte> GetMemoryOffLoop(int sizeHint) => _pipe.Invoke(this, w => w.Pipe.GetMemoryCore(sizeHint));

        private void AdvanceOffLoop(int bytes) => _ = _pipe.Invoke(this, w =>
        {
            w.Pipe.AdvanceCore(bytes);
            return true;
        });

        private ValueTask<FlushResult> FlushOffLoop(CancellationToken cancellationToken) =>
            _pipe.Invoke(this, w => w.Pipe.FlushCore(cancellationToken));

        private ValueTask<FlushResult> WriteOffLoop(ReadOnlyMemory<byte> source, CancellationToken cancellationToken) =>
            _pipe.Invoke(this, w => w.Pipe.WriteCore(source.Span, cancellationToken));

        private void CompleteOffLoop(Exception? exception) => _pipe.RunOnLoop(this, w =>
        {
            if (!w.IsStale)
            {
                w._pipe.CompleteWriterCore(exception);
            }
        });

        private void OnCompletedOffLoop(Action<object?> continuation, object? state) =>
            _pipe.RunOnLoop(this, w => w.Pipe.OnFlushCompletedCore(continuation, state));
    }
}
