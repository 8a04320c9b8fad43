namespace MeshProxy.Core.Threading;

/// <summary>
/// The ExecutionContext an async step of ours must restore when it resumes: null when it is the default one, as the
/// runtime's own builders record it. <see cref="ExecutionContext.Capture"/> returns the default context as an object,
/// not null, so our pooled builders ran every resumption through <see cref="ExecutionContext.Run"/> (a context switch
/// on the thread, a callback and a try/finally: 0.4% of the proxy's CPU under HTTP load in perf, for nothing to
/// restore). With null the state machine moves on directly, in the resuming thread's context, as in the runtime.
/// </summary>
internal static class FlowingContext
{
    // ExecutionContext.Default is internal; a thread started without a flowed context (UnsafeStart) captures that
    // instance. The event loops note it as they start (NoteDefault), so traffic never pays for finding it; the probe
    // thread is the fallback for code that runs before any loop (tests).
    private static ExecutionContext? s_default;

    /// <summary><see cref="ExecutionContext.Capture"/>, or null when there is nothing to flow (the default context, or flow suppressed).</summary>
    public static ExecutionContext? Capture()
    {
        var context = ExecutionContext.Capture();
        if (context is null)
        {
            return null;
        }

        var defaultContext = Volatile.Read(ref s_default) ?? ProbeDefault();
        return ReferenceEquals(context, defaultContext) ? null : context;
    }

    /// <summary>
    /// Records the default context from the current thread, which the caller guarantees was started with
    /// <see cref="Thread.UnsafeStart()"/> and has not set an AsyncLocal yet.
    /// </summary>
    internal static void NoteDefault() => Interlocked.CompareExchange(ref s_default, ExecutionContext.Capture(), null);

    private static ExecutionContext? ProbeDefault()
    {
        var captured = CaptureOnFreshThread();
        return Interlocked.CompareExchange(ref s_default, captured, null) ?? captured;
    }

    internal static ExecutionContext? CaptureOnFreshThread()
    {
        ExecutionContext? captured = null;
        var thread = new Thread(() => captured = ExecutionContext.Capture()) { IsBackground = true, Name = "meshproxy-context-probe" };
        thread.UnsafeStart();
        thread.Join();
        return captured;
    }
}
