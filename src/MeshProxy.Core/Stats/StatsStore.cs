using System.Collections.Concurrent;

namespace MeshProxy.Core.Stats;

/// <summary>
/// Named counters and gauges in Envoy's naming (<c>cluster.NAME.upstream_cx_total</c>). Lookups by name are for config
/// time: runtime objects (listeners, clusters, filters) fetch their stats once and keep the references, so the data path
/// only does an interlocked add. The same name always returns the same object, so counts survive a config swap.
/// </summary>
public sealed class StatsStore
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Gauge> _gauges = new(StringComparer.Ordinal);

    public Counter GetCounter(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _counters.GetOrAdd(name, static n => new Counter(n));
    }

    public Gauge GetGauge(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _gauges.GetOrAdd(name, static n => new Gauge(n));
    }

    /// <summary>Every counter and gauge, sorted by name (ordinal).</summary>
    public IEnumerable<(string Name, long Value)> Snapshot()
    {
        var all = new List<(string Name, long Value)>(_counters.Count + _gauges.Count);
        foreach (var pair in _counters)
        {
            all.Add((pair.Key, pair.Value.Value));
        }

        foreach (var pair in _gauges)
        {
            all.Add((pair.Key, pair.Value.Value));
        }

        all.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return all;
    }

    /// <summary>Envoy's spelling of an address in stat names (<c>127.0.0.1_10000</c>).</summary>
    /// <remarks>Envoy writes <c>listener.0.0.0.0_15001.</c>: the <c>ip:port</c> form with every <c>:</c> replaced by
    /// <c>_</c>; IPv6 becomes <c>[__1]_10000</c>.</remarks>
    public static string AddressForStatName(System.Net.IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return endPoint.ToString().Replace(':', '_');
    }
}
