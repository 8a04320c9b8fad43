namespace MeshProxy.Core.Threading;

/// <summary>
/// Per-thread reuse of timeout <see cref="CancellationTokenSource"/>s (a connect timeout per upstream connection):
/// a fresh one costs the source, its timer, its registration list and node, about 300 bytes per connection. Only
/// sources on the system clock are kept: <see cref="CancellationTokenSource.TryReset"/> knows whether their timer
/// ever fired and refuses them then; it refuses every other provider's timer too, so those are simply disposed.
/// </summary>
internal static class TimeoutSourcePool
{
    /// <summary>Sources kept per thread (connects in flight on one event loop finish in bursts).</summary>
    public const int MaxFreePerThread = 64;

    [ThreadStatic]
    private static CancellationTokenSource?[]? t_free;

    [ThreadStatic]
    private static int t_freeCount;

    /// <summary>A source cancelled after <paramref name="timeout"/> on <paramref name="timeProvider"/>'s clock;
    /// give it back with <see cref="Return"/> once the operation it limited is over.</summary>
    public static CancellationTokenSource Rent(TimeSpan timeout, TimeProvider timeProvider)
    {
        // A zero timeout makes a source that is cancelled before it is handed out, as the constructor does;
        // CancelAfter would cancel it a moment later, on the timer thread.
        if (timeout > TimeSpan.Zero && timeProvider == TimeProvider.System && t_freeCount > 0)
        {
            var index = --t_freeCount;
            var source = t_free![index]!;
            t_free[index] = null;
            source.CancelAfter(timeout);
            return source;
        }

        return new CancellationTokenSource(timeout, timeProvider);
    }

    /// <summary>Takes back a source nobody else uses any more (the operation is over, whatever its outcome).</summary>
    public static void Return(CancellationTokenSource source)
    {
        var free = t_free ??= new CancellationTokenSource?[MaxFreePerThread];
        if (t_freeCount < free.Length && source.TryReset())
        {
            free[t_freeCount++] = source;
            return;
        }

        source.Dispose();
    }
}
