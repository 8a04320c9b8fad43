using MeshProxy.Core.Timing;
using Microsoft.Extensions.Time.Testing;

namespace MeshProxy.Tests.Timing;

public sealed class HeartbeatTests
{
    [Fact]
    public async Task SystemClock_TicksOnItsOwnThread_AndStopsWhenDisposed()
    {
        var handler = new RecordingHandler();
        var heartbeat = new Heartbeat(TimeProvider.System, TimeSpan.FromMilliseconds(10), Serilog.Core.Logger.None);
        heartbeat.Register(handler);

        await handler.Ticked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("meshproxy-heartbeat", handler.ThreadName); // no timer thread, no thread-pool hop
        Assert.False(handler.OnThreadPool);
        Assert.True(heartbeat.Now > 0);

        heartbeat.Dispose();
        // A tick already past its wait may still land; after that, none (at 10 ms a live heartbeat ticks ten times in
        // 100 ms, so a quiet 100 ms within two seconds means it stopped).
        var stopped = false;
        for (var i = 0; i < 20 && !stopped; i++)
        {
            var ticks = handler.Ticks;
            await Task.Delay(100);
            stopped = handler.Ticks == ticks;
        }

        Assert.True(stopped);
    }

    [Fact]
    public void OtherClocks_TickThroughTheirTimers()
    {
        var time = new FakeTimeProvider();
        var handler = new RecordingHandler();
        using var heartbeat = new Heartbeat(time, TimeSpan.FromSeconds(1), Serilog.Core.Logger.None);
        heartbeat.Register(handler);

        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(3, handler.Ticks);
        Assert.Equal(time.GetTimestamp(), heartbeat.Now);
    }

    [Fact]
    public void DisposeFromATick_DoesNotWaitForItself()
    {
        var heartbeat = new Heartbeat(TimeProvider.System, TimeSpan.FromMilliseconds(5), Serilog.Core.Logger.None);
        var disposer = new DisposingHandler(heartbeat);
        heartbeat.Register(disposer);

        Assert.True(disposer.Disposed.Wait(TimeSpan.FromSeconds(10)));
    }

    private sealed class RecordingHandler : IHeartbeatHandler
    {
        private int _ticks;

        public TaskCompletionSource Ticked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Ticks => Volatile.Read(ref _ticks);

        public string? ThreadName { get; private set; }

        public bool OnThreadPool { get; private set; }

        public void OnHeartbeat(long now)
        {
            ThreadName = Thread.CurrentThread.Name;
            OnThreadPool = Thread.CurrentThread.IsThreadPoolThread;
            Interlocked.Increment(ref _ticks);
            Ticked.TrySetResult();
        }
    }

    private sealed class DisposingHandler(Heartbeat heartbeat) : IHeartbeatHandler
    {
        public ManualResetEventSlim Disposed { get; } = new();

        public void OnHeartbeat(long now)
        {
            heartbeat.Dispose();
            Disposed.Set();
        }
    }
}
