using System.Diagnostics;
using MeshProxy.Admin;
using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Threading;
using MeshProxy.Core.Transport;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Sources;

namespace MeshProxy.Hosting;

/// <summary>Runs the data plane (listeners, clusters, admin) on a configuration until cancelled.</summary>
internal static class ProxyHost
{
    /// <summary>
    /// Runs a loaded bootstrap: its static part at once, then (when it has dynamic sources) ADS and file sources that
    /// update the data plane as resources arrive. <c>/ready</c> answers LIVE once the first round is in.
    /// </summary>
    public static async Task<int> RunAsync(LoadedBootstrap loaded, HostOptions options, CancellationToken cancellationToken, Action<ProxyRuntime, AdminServer?>? started = null)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(options);
        var loadedAt = DateTimeOffset.UtcNow;
        if (!loaded.Dynamic.IsDynamic)
        {
            options = options with { ConfigDump = () => ConfigDumpRenderer.Render(loaded.Proto, loadedAt) };
            return await RunAsync(loaded.Config, options, cancellationToken, started).ConfigureAwait(false);
        }

        XdsController? controller = null;
        using var worker = new ControlPlaneWorker(options.ControlPlanePriority, options.Logger);
        options = options with { ConfigDump = () => ConfigDumpRenderer.Render(loaded.Proto, loadedAt, controller?.Store.Dump()) };
        try
        {
            return await RunAsync(loaded.Config, options, cancellationToken, started, async (runtime, admin) =>
            {
                var window = loaded.Dynamic.Ads is not null && InitialFetchGcWindow.TryOpen();
                var xds = await XdsController.StartAsync(
                    loaded, runtime.ApplyAsync, runtime.Stats, options.Logger, cancellationToken, worker: worker).ConfigureAwait(false);
                controller = xds;
                if (window)
                {
                    // Closed by the compaction after the fetch; a fetch that fails, or never ends, closes it here.
                    _ = Task.WhenAny(xds.Initialized, Task.Delay(InitialFetchGcWindow.Deadline, cancellationToken))
                        .ContinueWith(_ => InitialFetchGcWindow.Close(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
                }

                if (admin is not null)
                {
                    _ = xds.Initialized.ContinueWith(
                        _ =>
                        {
                            if (xds.Client is not null)
                            {
                                CompactAfterInitialFetch(options);
                            }

                            admin.Ready = true;
                            options.Logger.Information("xDS: initial configuration received; ready");
                        },
                        CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                }
                else if (xds.Client is not null)
                {
                    _ = xds.Initialized.ContinueWith(
                        _ => CompactAfterInitialFetch(options), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            if (controller is not null)
            {
                await controller.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The start-up compaction (below) runs before an ADS configuration arrives; the first CDS/EDS/LDS/RDS round of a
    /// large mesh leaves its decoded responses and intermediate objects behind as garbage, most of it promoted by then.
    /// One compacting collection once that round is in returns it before traffic starts (the pause falls before
    /// <c>/ready</c>). Later pushes are not followed by one: a blocking full collection under traffic is exactly the
    /// latency spike the push scenario measures, and their garbage is small and short-lived.
    /// </summary>
    private static void CompactAfterInitialFetch(HostOptions options)
    {
        var before = GC.GetTotalMemory(forceFullCollection: false); // live as of the last GC plus everything allocated since
        var clock = Stopwatch.StartNew();
        InitialFetchGcWindow.Close();
        CompactHeap();
        var released = StartupPages.ReleaseOwnExecutable(); // the conversion code of the first round is start-up code too
        options.Logger.Information(
            "xDS: compacted the managed heap after the initial fetch in {ElapsedMs} ms: {BeforeKiB} KiB allocated -> {AfterKiB} KiB heap; {ReleasedKiB} KiB of start-up pages of the binary released",
            clock.ElapsedMilliseconds, before / 1024, GC.GetGCMemoryInfo().HeapSizeBytes / 1024, released / 1024);
    }

    /// <summary>
    /// A full compacting collection, then a gen1 one. After the full collection the GC leaves gen1 a budget of about
    /// 5 MB: under connection churn each gen0 collection promotes the connections in flight (~70 KB), and they piled up
    /// in gen1 for the first 2 s until it was collected (HTTP churn peaked at 18-19 MB RSS, 14 MB after). A gen1
    /// collection of the empty gen1 sets its budget from what it finds: the pile reaches about 2 MB (peak 16-17 MB).
    /// </summary>
    private static void CompactHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true);
    }

    /// <summary>Starts everything, runs until <paramref name="cancellationToken"/> fires, stops; returns the exit code.</summary>
    /// <param name="config">The validated configuration.</param>
    /// <param name="options">Logging, transport and dump settings from the command line.</param>
    /// <param name="cancellationToken">Fires on SIGINT/SIGTERM.</param>
    /// <param name="started">Called once listeners and admin are up (the demo prints what to try).</param>
    public static async Task<int> RunAsync(
        ProxyConfig config,
        HostOptions options,
        CancellationToken cancellationToken,
        Action<ProxyRuntime, AdminServer?>? started = null,
        Func<ProxyRuntime, AdminServer?, Task>? startDynamic = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        var logger = options.Logger;
        var clock = Stopwatch.StartNew();

        await using var transport = TransportFactory.Create(options.Transport, options.Concurrency);
        await using var runtime = new ProxyRuntime(
            transport, logger, null, new ProxyRuntimeOptions { DrainTime = options.DrainTime ?? ProxyRuntimeOptions.DefaultDrainTime });
        // A static listener that cannot be set up is fatal at start (as in Envoy); with xDS it would be NACKed instead.
        var applied = await runtime.ApplyAsync(config, cancellationToken).ConfigureAwait(false);
        if (!applied.Succeeded)
        {
            logger.Fatal("Cannot start: {Reason}", applied.ToString());
            return 1;
        }

        StartupPages.ReleaseOwnExecutable(); // conversion and listener set-up (staged start-up: see Program.Main)
        AdminServer? admin = null;
        try
        {
            if (config.Admin is not null)
            {
                try
                {
                    // With dynamic sources /ready says PRE_INITIALIZING until their first round is in, from the bind on.
                    admin = AdminServer.Start(config.Admin, runtime, options.LevelSwitch, options.ConfigDump, logger, ready: startDynamic is null);
                }
                catch (InvalidOperationException ex)
                {
                    logger.Fatal("Cannot start: {Reason}", ex.Message);
                    return 1;
                }
            }

            if (startDynamic is not null)
            {
                try
                {
                    await startDynamic(runtime, admin).ConfigureAwait(false);
                }
                catch (InvalidOperationException ex)
                {
                    logger.Fatal("Cannot start: {Reason}", ex.Message);
                    return 1;
                }
            }

            // Loading a bootstrap leaves JSON buffers, protos and intermediate objects that are garbage once the config
            // is converted; one compacting collection here returns that memory before traffic starts, and the pages
            // of the binary that only start-up ran are unmapped.
            if (!InitialFetchGcWindow.IsOpen)
            {
                CompactHeap(); // with ADS the window is open: the compaction after the initial fetch does this
            }

            var released = StartupPages.ReleaseOwnExecutable();

            logger.Information(
                "MeshProxy ready in {StartupMs} ms: {ListenerCount} listeners, {ClusterCount} clusters, transport {Transport} with {LoopCount} event loops, managed heap {HeapKiB} KiB, {ReleasedKiB} KiB of start-up pages of the binary released",
                clock.ElapsedMilliseconds, runtime.Config.Listeners.Length, runtime.Config.Clusters.Length, transport.Name, transport.Loops.Count, GC.GetGCMemoryInfo().HeapSizeBytes / 1024, released / 1024);
            started?.Invoke(runtime, admin);

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The ordinary way out: SIGINT or SIGTERM.
            }

            logger.Information("Shutting down");
            return 0;
        }
        finally
        {
            admin?.Dispose();
        }
    }
}
