using System.Globalization;

namespace MeshProxy.LoadClient;

/// <summary>CPU time and context switches of a whole process (all threads), from /proc.</summary>
internal readonly record struct ProcessStats(double CpuSeconds, long ContextSwitches)
{
    public static ProcessStats Read(int pid)
    {
        // /proc/PID/stat fields 14 and 15 (utime, stime) in clock ticks; the name field may hold spaces, so split after ')'.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long switches = 0;
        // /proc/PID/status counts the main thread only; sum every thread's.
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) ||
                        line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        switches += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread exited between listing and reading.
            }
        }

        return new ProcessStats(ticks / 100.0, switches); // USER_HZ is 100 on Linux.
    }

    public static ProcessStats operator -(ProcessStats a, ProcessStats b) =>
        new(a.CpuSeconds - b.CpuSeconds, a.ContextSwitches - b.ContextSwitches);
}
