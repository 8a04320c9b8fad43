using System.Globalization;

namespace MeshProxy.PingPong;

/// <summary>
/// CPU time, context switches and RSS of a whole process read from /proc: CPU as the sum of every thread's
/// on-CPU nanoseconds (/proc/PID/task/*/schedstat; utime+stime ticks from /proc/PID/stat as a cross-check), context
/// switches as voluntary + nonvoluntary summed over /proc/PID/task/*/status. Threads that exit between two samples
/// are not counted, so sample long-running servers only.
/// </summary>
public readonly record struct ProcessSample(long CpuNanoseconds, long CpuTicks, long ContextSwitches, long RssKiB)
{
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
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }

        return new ProcessSample(cpuNs, ticks, switches, rss);
    }
}
