using System.Runtime;

namespace MeshProxy.Hosting;

/// <summary>
/// Holds garbage collection off while the first xDS round is built. The binary runs with a 256 KiB gen0 budget, which
/// keeps RSS low under traffic but makes a bulk build slow: the new configuration survives every one of the ~80 gen0
/// collections that 20 MB of allocation triggers (1,000 EDS clusters), and is marked and copied again each time
/// (EDS apply 96-108 ms, of which GC most; with a 64 MB gen0, 32 ms). A no-GC region of <see cref="Budget"/> bytes
/// lets the round allocate straight through; the compaction after the initial fetch (which ends the region) returns
/// everything that is garbage, so RSS at ready is unchanged and the peak while building rises by what the round
/// allocated (at most the budget). A round that allocates more than the budget ends the region early and goes on
/// with ordinary collections. Only the initial fetch: later pushes arrive under traffic, and starting a region
/// collects first, which is the pause a push must not add.
/// </summary>
internal static class InitialFetchGcWindow
{
    /// <summary>32 MiB: a 1,000-cluster, 10,000-endpoint first round allocates about 21 MB.</summary>
    public const long Budget = 32L * 1024 * 1024;

    /// <summary>A first round that has not come in by then is not waited for with collections held off.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>Opens the window; false when the runtime refused (one is already open, or the budget is too large).</summary>
    public static bool TryOpen()
    {
        try
        {
            return GC.TryStartNoGCRegion(Budget, disallowFullBlockingGC: true);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>True while the window is open (not yet closed, not ended by the budget running out).</summary>
    public static bool IsOpen => GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;

    /// <summary>Closes the window if it is still open; safe to call at any time, from any thread, more than once.</summary>
    public static void Close()
    {
        if (!IsOpen)
        {
            return;
        }

        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // Ended already: the budget ran out, or a collection was induced in between.
        }
    }
}
