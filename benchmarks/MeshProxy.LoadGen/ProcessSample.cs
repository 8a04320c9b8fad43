using System.Globalization;

namespace MeshProxy.LoadGen;

/// <summary>
/// CPU time, context switches and memory of a whole process read from /proc: CPU as the sum of every thread's
/// on-CPU nanoseconds (/proc/PID/task/*/schedstat) and as utime+stime ticks from /proc/PID/stat (what the e2e harness
/// and the earlier figures use), context switches as voluntary + nonvoluntary summed over /proc/PID/task/*/status,
/// RSS and peak RSS (VmRSS, VmHWM). Threads that exit between two samples are not counted, so sample long-running
/// servers only.
/// </summary>
public readonly record struct ProcessSample(long CpuNanoseconds, long CpuTicks, long ContextSwitches, long RssKiB, long PeakRssKiB)
{
    /// <summary>USER_HZ: 100 on Linux.</summary>
    private const double TicksPerSecond = 100.0;

    /// <summary>utime + stime in seconds (tick resolution, 10 ms).</summary>
    public double CpuSeconds => CpuTicks / TicksPerSecond;

    public static ProcessSample Read(int pid)
    {
        long cpuNs = 0;
        long switches = 0;
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string schedstat = File.ReadAllText(Path.Combine(task, "schedstat"));
                cpuNs += long.Parse(schedstat.AsSpan(0, schedstat.IndexOf(' ')), CultureInfo.InvariantCulture);
                foreach (string line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                        || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        switches += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread exited while we read it.
            }
        }

        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // Fields after "(comm)": index 0 is field 3 (state); utime is field 14, stime field 15.
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long rss = 0;
        long peak = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = ParseKiB(line.AsSpan(6));
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = ParseKiB(line.AsSpan(6));
            }
        }

        return new ProcessSample(cpuNs, ticks, switches, rss, peak);
    }

    /// <summary>CPU and context switches between two samples; memory figures are the later sample's.</summary>
    public static ProcessSample operator -(ProcessSample later, ProcessSample earlier) =>
        new(later.CpuNanoseconds - earlier.CpuNanoseconds, later.CpuTicks - earlier.CpuTicks,
            later.ContextSwitches - earlier.ContextSwitches, later.RssKiB, later.PeakRssKiB);

    public ProcessSample Subtract(ProcessSample earlier) => this - earlier;

    private static long ParseKiB(ReadOnlySpan<char> text) =>
        long.Parse(text.Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
}
