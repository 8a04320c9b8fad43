using MeshProxy.Core.Threading;
using Serilog.Core;

namespace MeshProxy.Tests.Threading;

public sealed class ControlPlaneWorkerTests
{
    private const int SchedOther = 0;
    private const int SchedIdle = 5;

    [Fact]
    public async Task SwitchTo_ContinuesOnTheWorkerThread_AndStaysThereWhileSynchronous()
    {
        using var worker = new ControlPlaneWorker(ControlPlanePriority.Normal, Logger.None);
        Assert.False(worker.IsCurrent);

        await worker.SwitchTo();
        var thread = Environment.CurrentManagedThreadId;
        Assert.True(worker.IsCurrent);
        Assert.Equal("meshproxy-control-plane", Thread.CurrentThread.Name);

        // Already there: completes synchronously, same thread.
        await worker.SwitchTo();
        Assert.Equal(thread, Environment.CurrentManagedThreadId);
    }

    [Fact]
    public async Task SwitchTo_Idle_RunsUnderSchedIdleOnLinux()
    {
        using var worker = new ControlPlaneWorker(ControlPlanePriority.Idle, Logger.None);

        await worker.SwitchTo();

        Assert.True(OperatingSystem.IsLinux(), "SCHED_IDLE is Linux-only; the suite runs on Linux");
        Assert.Equal(SchedIdle, CurrentThreadPolicy());
        Assert.Equal(ControlPlanePriority.Idle, worker.EffectivePriority);
    }

    [Fact]
    public async Task SwitchTo_Normal_KeepsTheDefaultPolicy()
    {
        using var worker = new ControlPlaneWorker(ControlPlanePriority.Normal, Logger.None);

        await worker.SwitchTo();

        Assert.Equal(SchedOther, CurrentThreadPolicy());

        Assert.Equal(ControlPlanePriority.Normal, worker.EffectivePriority);
    }

    [Fact]
    public async Task SwitchTo_AfterDispose_ContinuesOnTheThreadPool()
    {
        var worker = new ControlPlaneWorker(ControlPlanePriority.Normal, Logger.None);
        worker.Dispose();

        var switched = Task.Run(async () =>
        {
            await worker.SwitchTo();
            return Thread.CurrentThread.IsThreadPoolThread;
        });

        Assert.True(await switched.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task SwitchTo_ManyCallers_RunOneAtATimeInOrderOfArrival()
    {
        using var worker = new ControlPlaneWorker(ControlPlanePriority.Normal, Logger.None);
        var inside = 0;
        var maxInside = 0;

        async Task Work()
        {
            await worker.SwitchTo();
            var now = Interlocked.Increment(ref inside);
            maxInside = Math.Max(maxInside, now);
            Thread.SpinWait(1000);
            Interlocked.Decrement(ref inside);
        }

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(Work))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, maxInside);
    }

    // proc(5): field 41 of /proc/thread-self/stat is the calling thread's scheduling policy.
    private static int CurrentThreadPolicy()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
