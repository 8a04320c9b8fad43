using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Serilog;

namespace MeshProxy.Core.Threading;

/// <summary>
/// One dedicated thread for control-plane work: decoding xDS responses, converting and diffing resources, building
/// snapshots. Event loops never wait for it. A sidecar limited to one core shares that core between them, and a
/// 1,000-cluster push is milliseconds of CPU: on an ordinary thread it delays every request that arrives meanwhile by
/// up to a scheduler slice. At <see cref="ControlPlanePriority.Idle"/> the kernel switches to a loop the moment it has
/// work, and the push fills the idle time between requests instead.
/// </summary>
/// <remarks>
/// Code reaches the thread with <c>await worker.SwitchTo()</c>; the rest of the method runs there until its next
/// genuinely asynchronous await (the repository's code uses <c>ConfigureAwait(false)</c>, which resumes wherever
/// the awaited work completed), so callers switch again at the top of each unit of work. Once disposed, switching
/// continues on the thread pool, so nothing that was still awaiting it is stranded.
/// </remarks>
public sealed partial class ControlPlaneWorker : IDisposable
{
    private const int SchedIdle = 5;

    private readonly Queue<Action> _work = new();
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly ControlPlanePriority _priority;
    private bool _stopped;

    public ControlPlaneWorker(ControlPlanePriority priority, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _priority = priority;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "meshproxy-control-plane" };
        _thread.Start();
    }

    /// <summary>Whether the calling thread is the worker's.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>The scheduling the thread actually got: <see cref="ControlPlanePriority.Normal"/> where SCHED_IDLE is unavailable.</summary>
    public ControlPlanePriority EffectivePriority { get; private set; } = ControlPlanePriority.Normal;

    /// <summary>Continues the calling async method on the worker thread (synchronously when already there).</summary>
    public SwitchAwaitable SwitchTo() => new(this);

    public void Dispose()
    {
        lock (_work)
        {
            _stopped = true;
            Monitor.Pulse(_work);
        }
    }

    private void Post(Action continuation)
    {
        lock (_work)
        {
            if (!_stopped)
            {
                _work.Enqueue(continuation);
                Monitor.Pulse(_work);
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }

    private void Run()
    {
        ApplyPriority();
        while (true)
        {
            Action next;
            lock (_work)
            {
                while (_work.Count == 0)
                {
                    if (_stopped)
                    {
                        return;
                    }

                    Monitor.Wait(_work);
                }

                next = _work.Dequeue();
            }

            try
            {
                next();
            }
#pragma warning disable CA1031 // Async continuations capture their own exceptions; anything else is a bug, logged, and the thread lives on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.Error(ex, "Control-plane worker: a work item failed");
            }
        }
    }

    private void ApplyPriority()
    {
        if (_priority != ControlPlanePriority.Idle || !OperatingSystem.IsLinux())
        {
            return;
        }

        // pid 0 is the calling thread: Linux scheduling policies are per thread.
        var param = 0;
        if (SchedSetScheduler(0, SchedIdle, ref param) == 0)
        {
            EffectivePriority = ControlPlanePriority.Idle;
            _logger.Debug("Control-plane worker runs under SCHED_IDLE");
        }
        else
        {
            _logger.Warning("Control-plane worker: SCHED_IDLE refused (errno {Errno}); it runs at normal priority", Marshal.GetLastPInvokeError());
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SchedSetScheduler(int pid, int policy, ref int param);

    /// <summary>The awaitable of <see cref="SwitchTo"/>.</summary>
    public readonly struct SwitchAwaitable(ControlPlaneWorker worker) : ICriticalNotifyCompletion
    {
        public bool IsCompleted => worker.IsCurrent;

        public SwitchAwaitable GetAwaiter() => this;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation)
        {
            if (ExecutionContext.Capture() is { } context)
            {
                worker.Post(() => ExecutionContext.Run(context, static c => ((Action)c!)(), continuation));
            }
            else
            {
                worker.Post(continuation);
            }
        }

        public void UnsafeOnCompleted(Action continuation) => worker.Post(continuation);
    }
}
