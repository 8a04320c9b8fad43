using System.Collections.Concurrent;
using Serilog;

namespace MeshProxy.Core.Timing;

/// <summary>
/// One shared timer for coarse timeouts (Kestrel's Heartbeat idea). Each tick stores the current timestamp in
/// <see cref="Now"/> and visits the registered handlers; a connection records activity with one plain store of
/// <see cref="Now"/>, so the data path never touches a timer. Resolution is the tick interval.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<IHeartbeatHandler, byte> _handlers = new();
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private long _now;
    private int _ticking;

    public Heartbeat(TimeProvider timeProvider, TimeSpan interval, ILogger logger)
    {
        TimeProvider = timeProvider;
        _logger = logger;
        _now = timeProvider.GetTimestamp();
        _timer = timeProvider.CreateTimer(static state => ((Heartbeat)state!).Tick(), this, interval, interval);
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>The timestamp (<see cref="TimeProvider.GetTimestamp"/> units) of the last tick.</summary>
    public long Now => Volatile.Read(ref _now);

    public long ToTimestampTicks(TimeSpan duration) => (long)(duration.TotalSeconds * TimeProvider.TimestampFrequency);

    public void Register(IHeartbeatHandler handler) => _handlers.TryAdd(handler, 0);

    public void Unregister(IHeartbeatHandler handler) => _handlers.TryRemove(handler, out _);

    /// <summary>Runs one tick now (the timer calls this; tests may too).</summary>
    public void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return; // The previous tick is still running; skip rather than pile up.
        }

        try
        {
            var now = TimeProvider.GetTimestamp();
            Volatile.Write(ref _now, now);
            foreach (var pair in _handlers)
            {
                try
                {
                    pair.Key.OnHeartbeat(now);
                }
#pragma warning disable CA1031 // One faulty handler must not stop the timeouts of every other connection.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    _logger.Error(e, "Heartbeat handler {Handler} failed", pair.Key);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
