using System.Globalization;
using System.Runtime.InteropServices;

namespace MeshProxy.Hosting;

/// <summary>
/// Unmaps, once the proxy is ready, the pages of its own binary that start-up touched: config parsing, conversion and
/// set-up code and data that traffic never runs again. The kernel maps a file in 64 KB blocks per fault, so start-up
/// leaves most of the code, read-only data and unwind tables resident (about 10 MB of RSS) although it runs a fraction
/// of them; what traffic needs faults back in from the page cache on first use.
/// </summary>
/// <remarks>
/// Only read-only, file-backed mappings of the executable with no private (anonymous) pages are released: dropping a
/// private page would lose its contents (relocations applied to RELRO data, say), dropping a clean file page loses
/// nothing. The pages stay in the page cache, shared with every other process running the binary; RSS and PSS no
/// longer count them. Under <c>dotnet meshproxy.dll</c> the executable is the small .NET host: little to release, and
/// nothing lost. (<c>RuntimeFeature.IsDynamicCodeCompiled</c> cannot tell the two apart: <c>PublishAot</c> turns dynamic
/// code off in the JIT build's runtimeconfig as well.)
/// </remarks>
internal static partial class StartupPages
{
    private const int MadviseDontNeed = 4;

    /// <summary>Set to <c>0</c>, the pages are kept (to compare, or where a page fault after start-up must not happen).</summary>
    public const string SwitchVariable = "MESHPROXY_RELEASE_STARTUP_PAGES";

    /// <summary>Releases the executable's clean read-only pages; returns the bytes of the mappings released.</summary>
    public static long ReleaseOwnExecutable()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessPath is not { } path
            || Environment.GetEnvironmentVariable(SwitchVariable) == "0")
        {
            return 0;
        }

        return Release(path);
    }

    /// <summary>Releases the clean read-only pages of every mapping of <paramref name="path"/> in this process.</summary>
    public static long Release(string path)
    {
        string smaps;
        try
        {
            smaps = File.ReadAllText("/proc/self/smaps");
        }
        catch (IOException)
        {
            return 0;
        }

        long released = 0;
        foreach (var (start, length) in Releasable(smaps, path))
        {
            if (Madvise((nint)start, (nuint)length, MadviseDontNeed) == 0)
            {
                released += length;
            }
        }

        return released;
    }

    /// <summary>The mappings of <paramref name="path"/> in <paramref name="smaps"/> that are readable, not writable and have no anonymous pages.</summary>
    internal static List<(ulong Start, long Length)> Releasable(string smaps, string path)
    {
        var found = new List<(ulong Start, long Length)>();
        (ulong Start, long Length)? current = null;
        foreach (var line in smaps.AsSpan().EnumerateLines())
        {
            if (TryParseHeader(line, path, out var start, out var end, out var candidate))
            {
                current = candidate ? (start, (long)(end - start)) : null;
            }
            else if (current is { } mapping && line.StartsWith("Anonymous:"))
            {
                if (line["Anonymous:".Length..].Trim().StartsWith("0 kB"))
                {
                    found.Add(mapping);
                }

                current = null;
            }
        }

        return found;
    }

    // "55f2281a4000-55f22893c000 r-xp 00021000 fe:00 11674041   /path/to/meshproxy"
    private static bool TryParseHeader(ReadOnlySpan<char> line, string path, out ulong start, out ulong end, out bool candidate)
    {
        start = end = 0;
        candidate = false;
        var dash = line.IndexOf('-');
        var space = line.IndexOf(' ');
        if (dash <= 0 || space <= dash
            || !ulong.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out start)
            || !ulong.TryParse(line[(dash + 1)..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out end))
        {
            return false;
        }

        var perms = line[(space + 1)..];
        candidate = perms.Length > 4 && perms[0] == 'r' && perms[1] == '-' && line.TrimEnd().EndsWith(" " + path, StringComparison.Ordinal);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
