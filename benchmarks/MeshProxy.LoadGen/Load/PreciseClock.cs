using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MeshProxy.LoadGen.Load;

/// <summary>
/// Sleeping until an absolute instant of <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC on Linux) with
/// clock_nanosleep(TIMER_ABSTIME) after shrinking the thread's timer slack to 1 µs, so an open-loop schedule wakes
/// within tens of microseconds instead of the ~1 ms granularity of runtime timers. Elsewhere: Thread.Sleep.
/// </summary>
internal static partial class PreciseClock
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsTime = 1;
    private const int PrSetTimerSlack = 29;
    private const int EINTR = 4;

    private static readonly bool Native = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Call on the thread that will sleep.</summary>
    public static void UseFineTimerSlack()
    {
        if (Native)
        {
            _ = prctl(PrSetTimerSlack, 1000, 0, 0, 0);
        }
    }

    public static void SleepUntil(long timestamp)
    {
        if (Native)
        {
            var until = new Timespec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
            while (clock_nanosleep(ClockMonotonic, TimerAbsTime, in until, IntPtr.Zero) == EINTR)
            {
            }

            return;
        }

        long wait = timestamp - Stopwatch.GetTimestamp();
        if (wait > 0)
        {
            Thread.Sleep(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_nanosleep(int clockId, int flags, in Timespec request, IntPtr remain);

    [LibraryImport("libc", SetLastError = false)]
    private static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
