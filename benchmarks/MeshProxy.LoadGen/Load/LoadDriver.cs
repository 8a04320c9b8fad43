using System.Diagnostics;
using System.Threading.Channels;

namespace MeshProxy.LoadGen.Load;

/// <summary>A named slice of the measured period, in seconds from its start; several slices may share a name.</summary>
public sealed record LoadWindow(string Name, double From, double To);

/// <summary>How to drive a protocol client.</summary>
public sealed record LoadOptions
{
    public int Connections { get; init; } = 16;

    /// <summary>Requests per second over all connections (open loop); 0 or less: closed loop at saturation.</summary>
    public double Rate { get; init; }

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long requests still in flight at the end may take to finish before they are abandoned.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<LoadWindow> Windows { get; init; } = [];

    /// <summary>A process (the proxy) whose CPU, context switches and memory are sampled over the measured period.</summary>
    public int? Pid { get; init; }

    /// <summary>Created when the measured period starts (lets a script time events against it).</summary>
    public string? ReadyFile { get; init; }
}

/// <summary>
/// Runs a load against an <see cref="ILoadProtocol"/>: closed loop (each stream sends its next request when the
/// previous answer is in) or open loop at a fixed rate. In the open loop one scheduler thread walks the intended
/// send times (request i at start + i/rate), hands request i to stream i mod streams, and latency is measured from
/// the intended send time, so a stalled connection's backlog shows up as latency instead of silently lowering the
/// rate (coordinated omission; wrk2's method). Only requests whose intended send time falls in the measured period
/// count. Responses are recorded in allocation-free histograms: the whole period, each named window, and each second.
/// </summary>
public static class LoadDriver
{
    private static string s_phase = "not started";

    /// <summary>Where the current run is (for the watchdog's message when a run does not finish).</summary>
    public static string Phase => Volatile.Read(ref s_phase);

    public static async Task<LoadResult> RunAsync(ILoadProtocol protocol, LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(options);
        SetPhase("starting");
        long freq = Stopwatch.Frequency;
        var connections = new ILoadConnection[options.Connections];
        for (int i = 0; i < connections.Length; i++)
        {
            connections[i] = protocol.CreateConnection(i);
        }

        int streams = protocol.StreamsPerConnection;
        long begin = Stopwatch.GetTimestamp() + (freq / 100);
        long measureStart = begin + (long)(options.Warmup.TotalSeconds * freq);
        long measureEnd = measureStart + (long)(options.Duration.TotalSeconds * freq);
        var recorder = new Recorder(measureStart, measureEnd, options.Duration, options.Windows);
        var slots = new List<Task>();
        // Set by the scheduler thread once it has completed the queues. Awaited, not joined: completing a queue runs
        // its reader's continuation inline (the queues allow it, for precise send times), and that chain can reach
        // the end of this method on the scheduler thread itself, where a Join waited for its own thread forever (the
        // open loop's hang: 5 runs in 20 by hand, stuck "joining the scheduler" with every request scheduled).
        var schedulerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long scheduled = 0;
        if (options.Rate > 0)
        {
            var queues = new Channel<long>[connections.Length * streams];
            for (int i = 0; i < queues.Length; i++)
            {
                queues[i] = Channel.CreateUnbounded<long>(new UnboundedChannelOptions
                {
                    SingleReader = true,
                    SingleWriter = true,
                    AllowSynchronousContinuations = true,
                });
                slots.Add(OpenLoopSlotAsync(connections[i % connections.Length], queues[i].Reader, recorder));
            }

            double period = freq / options.Rate;
            var scheduler = new Thread(() =>
            {
                PreciseClock.UseFineTimerSlack();
                for (long i = 0; ; i++)
                {
                    long intended = begin + (long)(i * period);
                    if (intended >= measureEnd)
                    {
                        break;
                    }

                    PreciseClock.SleepUntil(intended);
                    queues[i % queues.Length].Writer.TryWrite(intended);
                    Volatile.Write(ref scheduled, i + 1);
                }

                foreach (Channel<long> queue in queues)
                {
                    queue.Writer.Complete();
                }

                schedulerDone.SetResult();
            })
            { IsBackground = true, Name = "loadgen-scheduler", Priority = ThreadPriority.AboveNormal };
            scheduler.Start();
        }
        else
        {
            schedulerDone.SetResult();
            for (int i = 0; i < connections.Length * streams; i++)
            {
                slots.Add(ClosedLoopSlotAsync(connections[i % connections.Length], recorder, measureEnd));
            }
        }

        // Sample the measured process (and this one) at the edges of the measured period.
        SetPhase("warm-up");
        await DelayUntil(measureStart).ConfigureAwait(false);
        SetPhase("measuring");
        ProcessSample? proxyBefore = options.Pid is { } p1 ? ProcessSample.Read(p1) : null;
        ProcessSample selfBefore = ProcessSample.Read(Environment.ProcessId);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int gcBefore = GC.CollectionCount(0);
        long sampledStart = Stopwatch.GetTimestamp();
        if (options.ReadyFile is { } readyFile)
        {
            await File.WriteAllTextAsync(readyFile, "measuring\n").ConfigureAwait(false);
        }

        await DelayUntil(measureEnd).ConfigureAwait(false);
        ProcessSample? proxyAfter = options.Pid is { } p2 ? ProcessSample.Read(p2) : null;
        ProcessSample selfAfter = ProcessSample.Read(Environment.ProcessId);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        int collections = GC.CollectionCount(0) - gcBefore;
        double sampledSeconds = (Stopwatch.GetTimestamp() - sampledStart) / (double)freq;

        Task all = Task.WhenAll(slots);
        SetPhase($"draining ({recorder.Completed} responses so far, {Volatile.Read(ref scheduled)} scheduled)");
        bool drained = await Task.WhenAny(all, Task.Delay(options.Drain)).ConfigureAwait(false) == all;
        for (int i = 0; i < connections.Length; i++)
        {
            SetPhase($"closing connection {i} of {connections.Length} (drained: {drained}, {recorder.Completed} responses)");
            await connections[i].DisposeAsync().ConfigureAwait(false);
        }

        if (!drained)
        {
            SetPhase("waiting for abandoned requests");
            await Task.WhenAny(all, Task.Delay(1000)).ConfigureAwait(false);
        }

        SetPhase($"waiting for the scheduler ({Volatile.Read(ref scheduled)} scheduled)");
        await schedulerDone.Task.ConfigureAwait(false);
        SetPhase("done");
        long connects = 0;
        foreach (ILoadConnection connection in connections)
        {
            connects += connection.Connects;
        }

        return new LoadResult(
            protocol.Name, options, recorder, connects, drained,
            proxyBefore is { } b && proxyAfter is { } a ? a - b : null, selfAfter - selfBefore, sampledSeconds,
            options.Rate > 0 ? Volatile.Read(ref scheduled) : 0, allocated, collections);
    }

    private static void SetPhase(string phase) => Volatile.Write(ref s_phase, phase);

    private static async Task ClosedLoopSlotAsync(ILoadConnection connection, Recorder recorder, long measureEnd)
    {
        await Task.Yield();
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            if (start >= measureEnd)
            {
                return;
            }

            RequestResult result = await connection.SendAsync().ConfigureAwait(false);
            recorder.Record(start, start, Stopwatch.GetTimestamp(), result);
            if (!result.Ok)
            {
                await Task.Delay(10).ConfigureAwait(false); // no hot spin against a refused port
            }
        }
    }

    private static async Task OpenLoopSlotAsync(ILoadConnection connection, ChannelReader<long> queue, Recorder recorder)
    {
        while (await queue.WaitToReadAsync().ConfigureAwait(false))
        {
            while (queue.TryRead(out long intended))
            {
                long start = Stopwatch.GetTimestamp();
                RequestResult result = await connection.SendAsync().ConfigureAwait(false);
                recorder.Record(intended, start, Stopwatch.GetTimestamp(), result);
            }
        }
    }

    private static Task DelayUntil(long timestamp)
    {
        long wait = timestamp - Stopwatch.GetTimestamp();
        return wait <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
    }
}

/// <summary>Where responses are counted; every method is allocation-free and thread-safe.</summary>
public sealed class Recorder
{
    /// <summary>Per-second histograms are kept for at most this many seconds.</summary>
    public const int MaxSeconds = 600;

    private readonly long _measureStart;
    private readonly long _measureEnd;
    private readonly (long From, long To, LogLinearHistogram Histogram)[] _ranges;
    private long _completed;
    private long _errors;
    private long _non2xx;
    private long _bytes;
    private long _maxStartLag;

    public Recorder(long measureStart, long measureEnd, TimeSpan duration, IReadOnlyList<LoadWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        _measureStart = measureStart;
        _measureEnd = measureEnd;
        int seconds = Math.Min(MaxSeconds, (int)Math.Ceiling(duration.TotalSeconds));
        Seconds = new LogLinearHistogram[seconds];
        SecondErrors = new long[seconds];
        for (int i = 0; i < seconds; i++)
        {
            Seconds[i] = new LogLinearHistogram();
        }

        var byName = new Dictionary<string, LogLinearHistogram>(StringComparer.Ordinal);
        var ranges = new List<(long, long, LogLinearHistogram)>();
        foreach (LoadWindow window in windows)
        {
            if (!byName.TryGetValue(window.Name, out LogLinearHistogram? histogram))
            {
                byName[window.Name] = histogram = new LogLinearHistogram();
            }

            long f = Stopwatch.Frequency;
            ranges.Add((measureStart + (long)(window.From * f), measureStart + (long)(window.To * f), histogram));
        }

        Windows = byName;
        _ranges = [.. ranges];
    }

    /// <summary>Latency from the intended send time (equal to the actual send time in the closed loop).</summary>
    public LogLinearHistogram Latency { get; } = new();

    /// <summary>Latency from the moment the request was actually handed to the connection.</summary>
    public LogLinearHistogram Service { get; } = new();

    public IReadOnlyDictionary<string, LogLinearHistogram> Windows { get; }

    public LogLinearHistogram[] Seconds { get; }

    public long[] SecondErrors { get; }

    public long Completed => Volatile.Read(ref _completed);

    public long Errors => Volatile.Read(ref _errors);

    public long Non2xx => Volatile.Read(ref _non2xx);

    public long BodyBytes => Volatile.Read(ref _bytes);

    /// <summary>Largest delay between an intended send time and the actual send (open loop: how far behind it fell).</summary>
    public long MaxStartLag => Volatile.Read(ref _maxStartLag);

    public void Record(long intended, long started, long ended, RequestResult result)
    {
        if (intended < _measureStart || intended >= _measureEnd)
        {
            return;
        }

        long second = (intended - _measureStart) / Stopwatch.Frequency;
        if (!result.Ok)
        {
            Interlocked.Increment(ref _errors);
            if (second < SecondErrors.Length)
            {
                Interlocked.Increment(ref SecondErrors[second]);
            }

            return;
        }

        Interlocked.Increment(ref _completed);
        Interlocked.Add(ref _bytes, result.BodyBytes);
        if (result.Status is < 200 or >= 300)
        {
            Interlocked.Increment(ref _non2xx);
        }

        long lag = started - intended;
        long seen = Volatile.Read(ref _maxStartLag);
        while (lag > seen && Interlocked.CompareExchange(ref _maxStartLag, lag, seen) != seen)
        {
            seen = Volatile.Read(ref _maxStartLag);
        }

        long ns = ToNanoseconds(ended - intended);
        Latency.Record(ns);
        Service.Record(ToNanoseconds(ended - started));
        if (second < Seconds.Length)
        {
            Seconds[second].Record(ns);
        }

        foreach ((long from, long to, LogLinearHistogram histogram) in _ranges)
        {
            if (intended >= from && intended < to)
            {
                histogram.Record(ns);
            }
        }
    }

    private static long ToNanoseconds(long ticks) =>
        Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
}
