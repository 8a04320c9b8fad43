namespace MeshProxy.Core.Threading;

/// <summary>How the control-plane thread is scheduled against the event loops (<c>--control-plane-priority</c>).</summary>
public enum ControlPlanePriority
{
    /// <summary>
    /// Linux <c>SCHED_IDLE</c>: the kernel preempts the thread as soon as an event loop is runnable, so xDS work fills
    /// the loops' idle time. Under full saturation it still runs, at a small share (weight 3 against 1024).
    /// </summary>
    Idle,

    /// <summary>An ordinary thread, time-sliced with the event loops as Envoy's main thread is.</summary>
    Normal,
}
