using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.Tests.Transport.Epoll;

/// <summary>The epoll transport's lock-free pipe keeps the <see cref="Pipe"/> semantics its users rely on.</summary>
public sealed class LoopPipeTests
{
    private static readonly byte[] Hello = "hello"u8.ToArray();

    [Fact]
    public async Task WriteFlushRead_SmallMessage_FlushCompletesSynchronouslyAndReadSeesTheBytes()
    {
        using var rig = new LoopPipeRig();

        var (flushedAtOnce, read) = await rig.OnLoop(p =>
        {
            p.Writer.Write(Hello);
            ValueTask<FlushResult> flush = p.Writer.FlushAsync();
            bool flushedAtOnce = flush.IsCompletedSuccessfully;
            FlushResult flushed = flush.Result;
            ReadResult result = Sync(p.Reader.ReadAsync());
            byte[] bytes = result.Buffer.ToArray();
            p.Reader.AdvanceTo(result.Buffer.End);
            return (flushedAtOnce && !flushed.IsCompleted && !flushed.IsCanceled, bytes);
        });

        Assert.True(flushedAtOnce);
        Assert.Equal(Hello, read);
    }

    [Fact]
    public async Task ReadAsync_NothingFlushed_WaitsAndResumesInlineOnTheLoopWhenTheWriterFlushes()
    {
        using var rig = new LoopPipeRig();
        var resumedOn = new TaskCompletionSource<(int Thread, byte[] Bytes)>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool resumedInsideFlush = false;

        await rig.OnLoop(p =>
        {
            ValueTask<ReadResult> read = p.Reader.ReadAsync();
            Assert.False(read.IsCompleted);
            _ = Consume(read);
            p.Writer.Write(Hello);
            ValueTask<FlushResult> flush = p.Writer.FlushAsync();
            resumedInsideFlush = resumedOn.Task.IsCompleted;
            Assert.True(flush.IsCompletedSuccessfully);

            async Task Consume(ValueTask<ReadResult> pending)
            {
                ReadResult result = await pending;
                byte[] bytes = result.Buffer.ToArray();
                p.Reader.AdvanceTo(result.Buffer.End);
                resumedOn.TrySetResult((Environment.CurrentManagedThreadId, bytes));
            }
        });

        var (thread, bytes) = await resumedOn.Task.WaitAsync(LoopPipeRig.Timeout);
        Assert.True(resumedInsideFlush);
        Assert.Equal(rig.Loop.ThreadId, thread);
        Assert.Equal(Hello, bytes);
    }

    [Fact]
    public async Task AdvanceTo_ExaminedEverythingConsumedNothing_NextReadWaitsForMoreData()
    {
        using var rig = new LoopPipeRig();

        var (waited, tryRead, whole) = await rig.OnLoop(async p =>
        {
            await p.Writer.WriteAsync("GET / HT"u8.ToArray());
            ReadResult first = await p.Reader.ReadAsync();
            p.Reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);

            ValueTask<ReadResult> next = p.Reader.ReadAsync();
            bool waited = !next.IsCompleted;
            await p.Writer.WriteAsync("TP/1.1"u8.ToArray());
            ReadResult second = await next;
            string whole = System.Text.Encoding.ASCII.GetString(second.Buffer.ToArray());
            p.Reader.AdvanceTo(second.Buffer.End);
            bool tryRead = p.Reader.TryRead(out _);
            return (waited, tryRead, whole);
        });

        Assert.True(waited);
        Assert.Equal("GET / HTTP/1.1", whole);
        Assert.False(tryRead);
    }

    [Fact]
    public async Task AdvanceTo_ExaminedPartOfTheBuffer_NextReadReturnsAtOnceWithTheRest()
    {
        using var rig = new LoopPipeRig();

        var (atOnce, rest) = await rig.OnLoop(async p =>
        {
            await p.Writer.WriteAsync("abcdef"u8.ToArray());
            ReadResult first = await p.Reader.ReadAsync();
            p.Reader.AdvanceTo(first.Buffer.GetPosition(2), first.Buffer.GetPosition(4));
            ValueTask<ReadResult> next = p.Reader.ReadAsync();
            bool atOnce = next.IsCompletedSuccessfully;
            ReadResult second = await next;
            byte[] rest = second.Buffer.ToArray();
            p.Reader.AdvanceTo(second.Buffer.End);
            return (atOnce, rest);
        });

        Assert.True(atOnce);
        Assert.Equal("cdef"u8.ToArray(), rest);
    }

    [Fact]
    public async Task TryRead_DataFlushed_ReturnsItWithoutConsuming_ThenFalseOnceConsumed()
    {
        using var rig = new LoopPipeRig();

        var (empty, peeked, again, afterConsume) = await rig.OnLoop(p =>
        {
            bool empty = p.Reader.TryRead(out _);
            p.Reader.AdvanceTo(default); // Allowed after a failed TryRead, as with Pipe.
            p.Writer.Write(Hello);
            Sync(p.Writer.FlushAsync());
            Assert.True(p.Reader.TryRead(out ReadResult peek));
            long peeked = peek.Buffer.Length;
            p.Reader.AdvanceTo(peek.Buffer.Start);
            Assert.True(p.Reader.TryRead(out ReadResult second));
            long again = second.Buffer.Length;
            p.Reader.AdvanceTo(second.Buffer.End);
            bool afterConsume = p.Reader.TryRead(out _);
            return (empty, peeked, again, afterConsume);
        });

        Assert.False(empty);
        Assert.Equal(Hello.Length, peeked);
        Assert.Equal(Hello.Length, again);
        Assert.False(afterConsume);
    }

    [Fact]
    public async Task FlushAsync_OverThePauseThreshold_WaitsUntilTheReaderExaminesBelowResume()
    {
        using var rig = new LoopPipeRig(pause: 100, resume: 50);

        var (underPause, paused, stillPausedAt60, resumedAt40) = await rig.OnLoop(async p =>
        {
            await p.Writer.WriteAsync(new byte[60]);
            ValueTask<FlushResult> under = p.Writer.WriteAsync(new byte[39]); // 99: under the threshold
            bool underPause = under.IsCompletedSuccessfully;
            ValueTask<FlushResult> flush = p.Writer.WriteAsync(new byte[1]); // 100: at it
            bool paused = !flush.IsCompleted;

            ReadResult read = await p.Reader.ReadAsync();
            p.Reader.AdvanceTo(read.Buffer.GetPosition(40)); // 60 left: not below resume
            bool stillPaused = !flush.IsCompleted;
            read = await p.Reader.ReadAsync();
            p.Reader.AdvanceTo(read.Buffer.GetPosition(20)); // 40 left
            bool resumed = flush.IsCompleted;
            FlushResult result = await flush;
            Assert.False(result.IsCompleted || result.IsCanceled);
            return (underPause, paused, stillPaused, resumed);
        });

        Assert.True(underPause);
        Assert.True(paused);
        Assert.True(stillPausedAt60);
        Assert.True(resumedAt40);
    }

    [Fact]
    public async Task FlushAsync_Paused_ExaminedButNotConsumedBytesCountAsReleased()
    {
        // As Pipe: the thresholds count bytes the reader has not examined yet, so a parser waiting for the end of a
        // large head does not stall the writer that must bring it.
        using var rig = new LoopPipeRig(pause: 100, resume: 50);

        bool resumed = await rig.OnLoop(async p =>
        {
            ValueTask<FlushResult> flush = p.Writer.WriteAsync(new byte[100]);
            Assert.False(flush.IsCompleted);
            ReadResult read = await p.Reader.ReadAsync();
            p.Reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            bool resumed = flush.IsCompleted;
            await flush;
            return resumed;
        });

        Assert.True(resumed);
    }

    [Fact]
    public async Task CancelPendingRead_FromAnotherThread_PendingReadReturnsCanceledOnTheLoop()
    {
        using var rig = new LoopPipeRig();
        var done = new TaskCompletionSource<(bool Canceled, int Thread)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await rig.OnLoop(p =>
        {
            ValueTask<ReadResult> read = p.Reader.ReadAsync();
            Assert.False(read.IsCompleted);
            _ = Await(read);
            waiting.SetResult();

            async Task Await(ValueTask<ReadResult> pending)
            {
                ReadResult result = await pending;
                p.Reader.AdvanceTo(result.Buffer.End);
                done.SetResult((result.IsCanceled, Environment.CurrentManagedThreadId));
            }
        });
        await waiting.Task;

        Assert.False(rig.Loop.IsOnLoopThread);
        rig.Pipe.Reader.CancelPendingRead();

        var (canceled, thread) = await done.Task.WaitAsync(LoopPipeRig.Timeout);
        Assert.True(canceled);
        Assert.Equal(rig.Loop.ThreadId, thread);
    }

    [Fact]
    public async Task CancelPendingRead_NoReadPending_NextReadReturnsCanceledOnceThenWaits()
    {
        using var rig = new LoopPipeRig();

        var (firstCanceled, secondWaits) = await rig.OnLoop(p =>
        {
            p.Reader.CancelPendingRead();
            ReadResult first = Sync(p.Reader.ReadAsync());
            bool canceled = first.IsCanceled;
            p.Reader.AdvanceTo(first.Buffer.End);
            ValueTask<ReadResult> second = p.Reader.ReadAsync();
            bool waits = !second.IsCompleted;
            p.Writer.Complete();
            ReadResult end = Sync(second);
            Assert.True(end.IsCompleted && !end.IsCanceled);
            return (canceled, waits);
        });

        Assert.True(firstCanceled);
        Assert.True(secondWaits);
    }

    [Fact]
    public async Task CancelPendingFlush_FromAnotherThread_PausedFlushReturnsCanceled()
    {
        using var rig = new LoopPipeRig(pause: 10, resume: 5);
        var done = new TaskCompletionSource<FlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);

        await rig.OnLoop(p =>
        {
            ValueTask<FlushResult> flush = p.Writer.WriteAsync(new byte[10]);
            Assert.False(flush.IsCompleted);
            _ = Await(flush);

            async Task Await(ValueTask<FlushResult> pending) => done.SetResult(await pending);
        });
        rig.Pipe.Writer.CancelPendingFlush();

        FlushResult result = await done.Task.WaitAsync(LoopPipeRig.Timeout);
        Assert.True(result.IsCanceled);
        Assert.False(result.IsCompleted);
    }

    [Fact]
    public async Task CompleteWriter_WithException_PendingAndLaterReadsThrowIt()
    {
        using var rig = new LoopPipeRig();
        var error = new IOException("reset by peer");
        var pendingFailed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);

        await rig.OnLoop(p =>
        {
            ValueTask<ReadResult> read = p.Reader.ReadAsync();
            _ = Await(read);

            async Task Await(ValueTask<ReadResult> pending)
            {
                try
                {
                    await pending;
                    pendingFailed.SetResult(new InvalidOperationException("read did not throw"));
                }
                catch (IOException e)
                {
                    pendingFailed.SetResult(e);
                }
            }
        });
        await rig.Pipe.Writer.CompleteAsync(error); // From the test thread: queued to the loop.

        Assert.Same(error, await pendingFailed.Task.WaitAsync(LoopPipeRig.Timeout));
        Exception later = await rig.OnLoop(p => Assert.Throws<IOException>(() => Sync(p.Reader.ReadAsync())));
        Assert.Same(error, later);
    }

    [Fact]
    public async Task CompleteWriter_WithBufferedData_ReaderGetsTheDataAndIsCompleted()
    {
        using var rig = new LoopPipeRig();

        ReadResult result = default;
        byte[] bytes = await rig.OnLoop(p =>
        {
            p.Writer.Write(Hello); // Not flushed: completing flushes it.
            p.Writer.Complete();
            Assert.True(p.Reader.TryRead(out result));
            byte[] bytes = result.Buffer.ToArray();
            p.Reader.AdvanceTo(result.Buffer.End);
            return bytes;
        });

        Assert.True(result.IsCompleted);
        Assert.Equal(Hello, bytes);
    }

    [Fact]
    public async Task CompleteReader_WithException_PausedFlushThrowsIt_NormalCompletionReportsIsCompleted()
    {
        using var rig = new LoopPipeRig(pause: 10, resume: 5);
        var error = new InvalidOperationException("the application failed");

        var (thrown, afterwards) = await rig.OnLoop(async p =>
        {
            ValueTask<FlushResult> flush = p.Writer.WriteAsync(new byte[10]);
            p.Reader.Complete(error);
            Exception? thrown = null;
            try
            {
                await flush;
            }
            catch (InvalidOperationException e)
            {
                thrown = e;
            }

            return (thrown, p.Writer.GetMemory(1).Length);
        });

        Assert.Same(error, thrown);
        Assert.True(afterwards > 0); // As Pipe: the writer may go on; Advance is a no-op.

        using var clean = new LoopPipeRig();
        FlushResult result = await clean.OnLoop(async p =>
        {
            p.Reader.Complete();
            return await p.Writer.WriteAsync(Hello);
        });
        Assert.True(result.IsCompleted);
    }

    [Fact]
    public async Task Write_ZeroLength_FlushDoesNotWakeTheReader()
    {
        using var rig = new LoopPipeRig();

        var (flushedAtOnce, readWaits) = await rig.OnLoop(p =>
        {
            ValueTask<ReadResult> read = p.Reader.ReadAsync();
            ValueTask<FlushResult> flush = p.Writer.WriteAsync(ReadOnlyMemory<byte>.Empty);
            p.Writer.GetMemory(0);
            p.Writer.Advance(0);
            ValueTask<FlushResult> second = p.Writer.FlushAsync();
            bool waits = !read.IsCompleted;
            p.Writer.Complete();
            ReadResult end = Sync(read);
            Assert.True(end.IsCompleted && end.Buffer.IsEmpty);
            p.Reader.AdvanceTo(end.Buffer.End);
            return (flush.IsCompletedSuccessfully && second.IsCompletedSuccessfully, waits);
        });

        Assert.True(flushedAtOnce);
        Assert.True(readWaits);
    }

    [Fact]
    public async Task Write_LargerThanABlock_ReadSeesOneMultiSegmentBufferWithTheSameBytes()
    {
        using var rig = new LoopPipeRig(blockSize: 4096);
        byte[] data = EpollTestHelpers.Pattern(10_000, seed: 1);

        var (single, bytes, blocks) = await rig.OnLoop(async p =>
        {
            await p.Writer.WriteAsync(data);
            ReadResult result = await p.Reader.ReadAsync();
            bool single = result.Buffer.IsSingleSegment;
            byte[] bytes = result.Buffer.ToArray();
            int blocks = rig.Pool.BlocksInUse;
            p.Reader.AdvanceTo(result.Buffer.End);
            return (single, bytes, blocks);
        });

        Assert.False(single);
        Assert.Equal(data, bytes);
        Assert.Equal(3, blocks);
        Assert.Equal(0, await rig.BlocksInUse());
    }

    [Fact]
    public async Task GetMemoryAdvance_ManyBlocksInChunks_ConsumedPiecewise_ContentIntactAndBlocksReturned()
    {
        using var rig = new LoopPipeRig(blockSize: 4096);
        byte[] data = EpollTestHelpers.Pattern(1024 * 1024 + 123, seed: 2);

        byte[] received = await rig.OnLoop(async p =>
        {
            var output = new ArrayBufferWriter<byte>();
            int written = 0;
            var random = new Random(3);
            while (written < data.Length)
            {
                // Odd chunk sizes, sometimes asking for more than is left in the block.
                int chunk = Math.Min(data.Length - written, random.Next(1, 3000));
                Span<byte> span = p.Writer.GetSpan(chunk);
                data.AsSpan(written, chunk).CopyTo(span);
                p.Writer.Advance(chunk);
                written += chunk;
                if (random.Next(4) == 0)
                {
                    await p.Writer.FlushAsync();
                    ReadResult read = await p.Reader.ReadAsync();
                    // Consume up to a random point, examine everything.
                    long take = random.NextInt64(0, read.Buffer.Length + 1);
                    foreach (ReadOnlyMemory<byte> segment in read.Buffer.Slice(0, take))
                    {
                        output.Write(segment.Span);
                    }

                    p.Reader.AdvanceTo(read.Buffer.GetPosition(take), read.Buffer.End);
                }
            }

            p.Writer.Complete();
            while (true)
            {
                ReadResult read = await p.Reader.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in read.Buffer)
                {
                    output.Write(segment.Span);
                }

                p.Reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            p.Reader.Complete();
            return output.WrittenSpan.ToArray();
        });

        Assert.Equal(data, received);
        Assert.Equal(0, await rig.BlocksInUse());
    }

    [Fact]
    public async Task GetMemory_HintOverTheBlockSize_GivesABufferThatLarge()
    {
        using var rig = new LoopPipeRig(blockSize: 4096);
        byte[] data = EpollTestHelpers.Pattern(10_000, seed: 4);

        byte[] bytes = await rig.OnLoop(async p =>
        {
            Memory<byte> memory = p.Writer.GetMemory(data.Length);
            Assert.True(memory.Length >= data.Length);
            data.CopyTo(memory);
            p.Writer.Advance(data.Length);
            await p.Writer.FlushAsync();
            ReadResult read = await p.Reader.ReadAsync();
            byte[] bytes = read.Buffer.ToArray();
            p.Reader.AdvanceTo(read.Buffer.End);
            return bytes;
        });

        Assert.Equal(data, bytes);
    }

    [Fact]
    public async Task Complete_BothSidesWithDataLeft_EveryBlockReturnedToThePool()
    {
        foreach (bool readerFirst in new[] { false, true })
        {
            using var rig = new LoopPipeRig(blockSize: 4096);

            int held = await rig.OnLoop(async p =>
            {
                await p.Writer.WriteAsync(new byte[10_000]);
                p.Writer.GetMemory(1); // And a write in progress.
                p.Writer.Advance(1);
                return rig.Pool.BlocksInUse;
            });
            Assert.Equal(3, held);

            if (readerFirst)
            {
                rig.Pipe.Reader.Complete(); // From the test thread: queued to the loop.
                Assert.Equal(3, await rig.BlocksInUse()); // The writer still holds its block.
                rig.Pipe.Writer.Complete();
            }
            else
            {
                rig.Pipe.Writer.Complete();
                Assert.Equal(3, await rig.BlocksInUse()); // The reader has not read them yet.
                rig.Pipe.Reader.Complete();
            }

            Assert.Equal(0, await rig.BlocksInUse());
        }
    }

    [Fact]
    public async Task DataCalls_FromAnotherThread_RunOnTheLoopAndKeepTheSemantics()
    {
        using var rig = new LoopPipeRig();
        PipeReader reader = rig.Pipe.Reader;
        PipeWriter writer = rig.Pipe.Writer;

        Assert.False(reader.TryRead(out _));
        reader.AdvanceTo(default);
        FlushResult flush = await writer.WriteAsync(Hello);
        Assert.False(flush.IsCompleted || flush.IsCanceled);
        Assert.True(reader.TryRead(out ReadResult peek));
        Assert.Equal(Hello, peek.Buffer.ToArray());
        reader.AdvanceTo(peek.Buffer.Start, peek.Buffer.End);

        Task<ReadResult> next = reader.ReadAsync().AsTask();
        Assert.False(next.IsCompleted);
        await writer.WriteAsync(Hello);
        ReadResult result = await next.WaitAsync(LoopPipeRig.Timeout);
        Assert.Equal(2 * Hello.Length, result.Buffer.Length);
        reader.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task AwaiterOnCompleted_ExecutionContextOfTheCaller_IsNotCaptured()
    {
        using var rig = new LoopPipeRig();
        var local = new AsyncLocal<string>();
        var observed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

        await rig.OnLoop(p =>
        {
            local.Value = "set by the awaiting code";
            ValueTaskAwaiter<ReadResult> awaiter = OnCompleted(p.Reader.ReadAsync(), () => observed.SetResult(local.Value));
            local.Value = null!;
            p.Writer.Write(Hello);
            Sync(p.Writer.FlushAsync());
            p.Reader.AdvanceTo(awaiter.GetResult().Buffer.End);
        });

        Assert.Null(await observed.Task.WaitAsync(LoopPipeRig.Timeout));
    }

    [Fact]
    public async Task RoundTrips_SteadyStateWithWaitingReads_AllocateNothingOnTheLoop()
    {
        using var rig = new LoopPipeRig();
        const int rounds = 10_000;
        byte[] message = new byte[64];

        long allocated = await rig.OnLoop(async p =>
        {
            Task reader = ReadAll(p.Reader);
            for (int i = 0; i < 100; i++)
            {
                await p.Writer.WriteAsync(message);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < rounds; i++)
            {
                Span<byte> span = p.Writer.GetSpan(message.Length);
                message.CopyTo(span);
                p.Writer.Advance(message.Length);
                await p.Writer.FlushAsync();
            }

            long after = GC.GetAllocatedBytesForCurrentThread();
            p.Writer.Complete();
            await reader;
            return after - before;
        });

        Assert.Equal(0, allocated);

        static async Task ReadAll(PipeReader reader)
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Asserts a pipe call completed synchronously and returns its result.</summary>
    private static T Sync<T>(ValueTask<T> task)
    {
        Assert.True(task.IsCompletedSuccessfully);
        return task.Result;
    }

    /// <summary>The awaiter's OnCompleted, which asks the source to flow the caller's ExecutionContext.</summary>
    private static ValueTaskAwaiter<ReadResult> OnCompleted(ValueTask<ReadResult> read, Action continuation)
    {
        ValueTaskAwaiter<ReadResult> awaiter = read.GetAwaiter();
        awaiter.OnCompleted(continuation);
        return awaiter;
    }

    [Fact]
    public void Constructor_ResumeOverPause_Throws()
    {
        using var rig = new LoopPipeRig();
        Assert.Throws<ArgumentOutOfRangeException>(() => new LoopPipe(rig.Loop, rig.Pool, pauseWriterThreshold: 10, resumeWriterThreshold: 11));
    }
}
