using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.Benchmarks;

/// <summary>
/// One small message through a connection pipe on an epoll loop thread: write, flush, read, advance. <c>Pipe</c> is
/// System.IO.Pipelines' with the options the epoll transport used (loop scheduler both sides, the default 1 MiB /
/// 512 KiB thresholds, 64 KiB pinned blocks); <c>LoopPipe</c> is what it uses now. <c>sync</c>: the reader reads after
/// the flush (data already there); <c>awaited</c>: a reader loop waits in ReadAsync and each flush resumes it inline,
/// as the transport's receive loop resumes the application. Each invocation runs 1,000 messages in one work item on
/// the loop (the hand-off to the loop is amortised, and counted).
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: GlobalCleanup disposes what GlobalSetup made.
public class LoopPipeBenchmarks
#pragma warning restore CA1001
{
    private const int Messages = 1000;

    private readonly ManualResetEventSlim _done = new();
    private PinnedBlockMemoryPool _pool = null!;
    private EpollLoop _loop = null!;
    private PipeReader _reader = null!;
    private PipeWriter _writer = null!;
    private byte[] _message = [];
    private Task _readerLoop = Task.CompletedTask;
    private Action<LoopPipeBenchmarks>? _work;
    private Exception? _error;

    [Params("Pipe", "LoopPipe")]
    public string Kind { get; set; } = "LoopPipe";

    [Params(64)]
    public int Size { get; set; }

    [GlobalSetup(Target = nameof(Sync))]
    public void SetupSync() => Setup();

    [GlobalSetup(Target = nameof(Awaited))]
    public void SetupAwaited()
    {
        Setup();
        RunOnLoop(static b => b._readerLoop = b.ReadAll());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        RunOnLoop(static b =>
        {
            b._writer.Complete();
            if (b._readerLoop.IsCompleted)
            {
                b._reader.Complete();
            }
        });
        _readerLoop.GetAwaiter().GetResult();
        _loop.Stop();
        _pool.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "write, flush, read, advance (sync)")]
    public void Sync() => RunOnLoop(static b =>
    {
        PipeWriter writer = b._writer;
        PipeReader reader = b._reader;
        for (int i = 0; i < Messages; i++)
        {
            b._message.CopyTo(writer.GetSpan(b._message.Length));
            writer.Advance(b._message.Length);
            Consume(writer.FlushAsync());
            ReadResult result = Consume(reader.ReadAsync());
            reader.AdvanceTo(result.Buffer.End);
        }
    });

    [Benchmark(OperationsPerInvoke = Messages, Description = "write, flush -> awaiting reader, advance")]
    public void Awaited() => RunOnLoop(static b =>
    {
        PipeWriter writer = b._writer;
        for (int i = 0; i < Messages; i++)
        {
            b._message.CopyTo(writer.GetSpan(b._message.Length));
            writer.Advance(b._message.Length);
            Consume(writer.FlushAsync());
        }
    });

    private static T Consume<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("expected to complete synchronously");

    private void Setup()
    {
        _pool = new PinnedBlockMemoryPool();
        _loop = new EpollLoop(0, _pool);
        _loop.Start();
        _message = new byte[Size];
        var limits = ConnectionOptions.Default;
        if (Kind == "Pipe")
        {
            var pipe = new Pipe(new PipeOptions(
                pool: _pool,
                readerScheduler: _loop,
                writerScheduler: _loop,
                pauseWriterThreshold: limits.BufferLimitBytes,
                resumeWriterThreshold: limits.ResumeThreshold,
                minimumSegmentSize: _pool.MaxBufferSize,
                useSynchronizationContext: false));
            (_reader, _writer) = (pipe.Reader, pipe.Writer);
        }
        else
        {
            var pipe = new LoopPipe(_loop, _pool, limits.BufferLimitBytes, limits.ResumeThreshold);
            (_reader, _writer) = (pipe.Reader, pipe.Writer);
        }
    }

    private async Task ReadAll()
    {
        while (true)
        {
            ReadResult result = await _reader.ReadAsync().ConfigureAwait(false);
            _reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                _reader.Complete();
                return;
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> on the loop thread and waits for it (no allocation per call).</summary>
    private void RunOnLoop(Action<LoopPipeBenchmarks> work)
    {
        _work = work;
        _error = null;
        _done.Reset();
        _loop.Enqueue(static s =>
        {
            var benchmarks = (LoopPipeBenchmarks)s!;
            try
            {
                benchmarks._work!(benchmarks);
            }
#pragma warning disable CA1031 // Rethrown on the benchmark thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                benchmarks._error = e;
            }
            finally
            {
                benchmarks._done.Set();
            }
        }, this);
        _done.Wait();
        if (_error is not null)
        {
            throw new InvalidOperationException("the work on the loop failed", _error);
        }
    }
}
