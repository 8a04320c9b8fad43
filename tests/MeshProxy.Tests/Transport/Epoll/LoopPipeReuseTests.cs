using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;
using static MeshProxy.Tests.Transport.Epoll.EpollTestHelpers;

namespace MeshProxy.Tests.Transport.Epoll;

/// <summary>
/// Pipes rented for connections go back to their loop once both ends are complete, and the ends of the finished lease
/// never touch the next connection's pipe: data calls throw, cancel and complete do nothing, on the loop or off it.
/// </summary>
public sealed class LoopPipeReuseTests
{
    private static readonly byte[] Old = "old connection"u8.ToArray();
    private static readonly byte[] New = "new connection"u8.ToArray();

    [Fact]
    public async Task Rent_AfterBothEndsCompleted_GivesTheSamePipeWithNewEnds()
    {
        using var rig = new LoopPipeRig();
        var (first, oldReader, oldWriter) = await rig.OnLoop(p => Finished(rig));

        var (second, reader, writer, bytes) = await rig.OnLoop(async p =>
        {
            LoopPipe pipe = LoopPipe.Rent(rig.Loop, 0, 0);
            await pipe.Writer.WriteAsync(New);
            ReadResult read = await pipe.Reader.ReadAsync();
            byte[] bytes = read.Buffer.ToArray();
            pipe.Reader.AdvanceTo(read.Buffer.End);
            return (pipe, pipe.Reader, pipe.Writer, bytes);
        });

        Assert.Same(first, second);
        Assert.NotSame(oldReader, reader);
        Assert.NotSame(oldWriter, writer);
        Assert.Equal(New, bytes);
    }

    [Fact]
    public async Task StaleReader_AfterReuse_DataCallsThrowAndCancelCompleteDoNothing()
    {
        using var rig = new LoopPipeRig();
        var (_, stale, _) = await rig.OnLoop(p => Finished(rig));
        LoopPipe current = await rig.OnLoop(async p =>
        {
            LoopPipe pipe = LoopPipe.Rent(rig.Loop, 0, 0);
            await pipe.Writer.WriteAsync(New);
            return pipe;
        });

        await rig.OnLoop(p =>
        {
            Assert.Throws<InvalidOperationException>(() => { _ = stale.ReadAsync().AsTask(); });
            Assert.Throws<InvalidOperationException>(() => stale.TryRead(out _));
            Assert.Throws<InvalidOperationException>(() => stale.AdvanceTo(default));
            stale.CancelPendingRead();
            stale.Complete(new InvalidOperationException("stale"));
        });

        // Off the loop: the data calls are refused on the loop; cancel and complete are queued there and dropped.
        Assert.Throws<InvalidOperationException>(() => stale.TryRead(out _));
        Assert.Throws<InvalidOperationException>(() => stale.AdvanceTo(default));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await stale.ReadAsync());
        stale.CancelPendingRead();
        stale.Complete();

        var (canceled, completed, bytes) = await ReadOnceOnLoop(rig, current.Reader);

        Assert.False(canceled);
        Assert.False(completed);
        Assert.Equal(New, bytes);
        Assert.Equal(0, await rig.OnLoop(async p =>
        {
            await current.Writer.WriteAsync(New); // The reader is not completed: the write is buffered.
            return (int)current.Writer.UnflushedBytes;
        }));
    }

    [Fact]
    public async Task StaleWriter_AfterReuse_DataCallsThrowAndCancelCompleteDoNothing()
    {
        using var rig = new LoopPipeRig(pause: 10, resume: 5);
        var (_, _, stale) = await rig.OnLoop(p => Finished(rig, pause: 10, resume: 5));
        var (current, flush) = await rig.OnLoop(p =>
        {
            LoopPipe pipe = LoopPipe.Rent(rig.Loop, 10, 5);
            pipe.Writer.Write(New); // Over the pause threshold: the flush waits for the reader.
            return (pipe, pipe.Writer.FlushAsync().AsTask());
        });
        Assert.False(flush.IsCompleted);

        await rig.OnLoop(p =>
        {
            Assert.Throws<InvalidOperationException>(() => stale.GetMemory());
            Assert.Throws<InvalidOperationException>(() => stale.GetSpan(1).Length);
            Assert.Throws<InvalidOperationException>(() => stale.Advance(0));
            Assert.Throws<InvalidOperationException>(() => { _ = stale.FlushAsync().AsTask(); });
            Assert.Throws<InvalidOperationException>(() => { _ = stale.WriteAsync(Old).AsTask(); });
            Assert.Equal(0, stale.UnflushedBytes);
            stale.CancelPendingFlush();
            stale.Complete(new InvalidOperationException("stale"));
        });

        Assert.Throws<InvalidOperationException>(() => stale.GetMemory());
        Assert.Throws<InvalidOperationException>(() => stale.Advance(0));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await stale.FlushAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await stale.WriteAsync(Old));
        stale.CancelPendingFlush();
        stale.Complete();

        // The current flush was neither cancelled nor completed by the stale writer; the reader sees only its bytes.
        Assert.False(flush.IsCompleted);
        var (canceled, completed, bytes) = await ReadOnceOnLoop(rig, current.Reader);

        Assert.False(canceled);
        Assert.False(completed);
        Assert.Equal(New, bytes);
        FlushResult flushed = await flush.WaitAsync(LoopPipeRig.Timeout);
        Assert.False(flushed.IsCanceled);
        Assert.False(flushed.IsCompleted);
    }

    [Fact]
    public async Task Rent_AReadStillPendingWhenBothEndsCompleted_ThePipeIsNotReused()
    {
        using var rig = new LoopPipeRig();

        LoopPipe first = await rig.OnLoop(p =>
        {
            LoopPipe pipe = LoopPipe.Rent(rig.Loop, 0, 0);
#pragma warning disable CA2012 // On purpose: a read nobody awaits, its result never taken.
            ValueTask<ReadResult> pending = pipe.Reader.ReadAsync();
#pragma warning restore CA2012
            Assert.False(pending.IsCompleted);
            pipe.Writer.Complete();
            pipe.Reader.Complete();
            return pipe;
        });
        LoopPipe second = await rig.OnLoop(p => LoopPipe.Rent(rig.Loop, 0, 0));

        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task Rent_OnlyOneEndCompleted_ThePipeIsNotReused()
    {
        using var rig = new LoopPipeRig();

        LoopPipe first = await rig.OnLoop(p =>
        {
            LoopPipe pipe = LoopPipe.Rent(rig.Loop, 0, 0);
            pipe.Writer.Complete();
            return pipe;
        });
        LoopPipe second = await rig.OnLoop(p => LoopPipe.Rent(rig.Loop, 0, 0));

        Assert.NotSame(first, second);
        Assert.True(await rig.OnLoop(p => first.Reader.TryRead(out ReadResult r) && r.IsCompleted));
    }

    [Fact]
    public async Task NewPipe_NotRented_IsNeverReused()
    {
        using var rig = new LoopPipeRig();

        await rig.OnLoop(p =>
        {
            rig.Pipe.Writer.Complete();
            rig.Pipe.Reader.Complete();
        });

        Assert.Equal(0, await rig.OnLoop(p => rig.Loop.FreePipes.Count));
    }

    [Fact]
    public async Task Connection_ClosedAndDisposed_NextConnectionTakesItsPipesAndTheOldEndsAreRefused()
    {
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var loop = (EpollLoop)transport.Loops[0];
        var accepted = new List<TransportConnection>();
        _ = ServeAsync(listener, async connection =>
        {
            lock (accepted)
            {
                accepted.Add(connection);
            }

            await EchoAsync(connection);
            await connection.DisposeAsync();
        });

        using (Socket first = await ConnectClientAsync(listener.EndPoint))
        {
            await first.SendAsync(Old);
            first.Shutdown(SocketShutdown.Send);
            var echoed = new byte[Old.Length];
            Assert.Equal(Old.Length, await ReadExactlyAsync(first, echoed).WaitAsync(TestTimeout));
            Assert.Equal(0, await first.ReceiveAsync(new byte[1].AsMemory()).AsTask().WaitAsync(TestTimeout)); // FIN: closed.
        }

        TransportConnection old = accepted[0];
        await old.Closed.WaitAsync(TestTimeout);
        // The recycle work items were queued before Closed was signalled; one more round through the queue sees them.
        Assert.Equal(2, await RunOnLoop(loop, () => Task.FromResult(loop.FreePipes.Count)).WaitAsync(TestTimeout));

        using (Socket second = await ConnectClientAsync(listener.EndPoint))
        {
            await second.SendAsync(New);
            SpinWait.SpinUntil(() => { lock (accepted) { return accepted.Count == 2; } }, TestTimeout);
            Assert.Equal(0, await RunOnLoop(loop, () => Task.FromResult(loop.FreePipes.Count)).WaitAsync(TestTimeout));

            // The finished connection's ends: refused on the loop and off it, and harmless to the new one.
            await RunOnLoop(loop, () =>
            {
                Assert.Throws<InvalidOperationException>(() => old.Input.TryRead(out _));
                Assert.Throws<InvalidOperationException>(() => old.Output.GetMemory());
                old.Input.CancelPendingRead();
                old.Output.CancelPendingFlush();
                old.Input.Complete();
                old.Output.Complete();
                return Task.CompletedTask;
            }).WaitAsync(TestTimeout);
            Assert.Throws<InvalidOperationException>(() => old.Input.TryRead(out _));
            await old.DisposeAsync().AsTask().WaitAsync(TestTimeout);

            var echoed = new byte[New.Length];
            Assert.Equal(New.Length, await ReadExactlyAsync(second, echoed).WaitAsync(TestTimeout));
            Assert.Equal(New, echoed);
        }
    }

    /// <summary>
    /// On the loop: a rented pipe used (bytes left unread, a block held) and completed on both ends; returns its old
    /// ends. The pipe goes back to the loop from a work item, so the caller's next work item finds it there.
    /// </summary>
    private static async Task<(LoopPipe Pipe, PipeReader Reader, PipeWriter Writer)> Finished(LoopPipeRig rig, long pause = 0, long resume = 0)
    {
        LoopPipe pipe = LoopPipe.Rent(rig.Loop, pause, resume);
        PipeReader reader = pipe.Reader;
        PipeWriter writer = pipe.Writer;
        writer.Write(Old);
        ValueTask<FlushResult> flush = writer.FlushAsync();
        ReadResult read = await reader.ReadAsync();
        reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        await flush;
        writer.Complete();
        reader.Complete();
        Assert.Equal(0, rig.Pool.BlocksInUse);
        return (pipe, reader, writer);
    }

    /// <summary>One read of <paramref name="reader"/> on the rig's loop, everything consumed.</summary>
    private static Task<(bool Canceled, bool Completed, byte[] Bytes)> ReadOnceOnLoop(LoopPipeRig rig, PipeReader reader) =>
        rig.OnLoop(async p =>
        {
            ReadResult read = await reader.ReadAsync();
            byte[] bytes = read.Buffer.ToArray();
            reader.AdvanceTo(read.Buffer.End);
            return (read.IsCanceled, read.IsCompleted, bytes);
        });
}
