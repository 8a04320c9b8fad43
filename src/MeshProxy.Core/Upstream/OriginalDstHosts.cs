using System.Collections.Concurrent;
using System.Net;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// The hosts of an ORIGINAL_DST cluster: one per original destination seen, created on first use and cached by
/// address, so a pick for a known destination costs a dictionary lookup and no allocation. Every
/// <see cref="ClusterConfig.OriginalDstCleanupInterval"/> a host not picked since the previous sweep is dropped (Envoy's
/// rule); connections already using it are not affected.
/// </summary>
internal sealed class OriginalDstHosts : IDisposable
{
    private readonly ConcurrentDictionary<IPEndPoint, Entry> _hosts = new();
    private readonly Cluster _cluster;
    private readonly TimeSpan _cleanupInterval;
    private readonly TimeProvider _timeProvider;
    private ITimer? _timer;

    public OriginalDstHosts(Cluster cluster, ClusterConfig config, TimeProvider timeProvider)
    {
        _cluster = cluster;
        _cleanupInterval = config.OriginalDstCleanupInterval > TimeSpan.Zero
            ? config.OriginalDstCleanupInterval
            : ClusterConfig.DefaultOriginalDstCleanupInterval;
        _timeProvider = timeProvider;
    }

    public int Count => _hosts.Count;

    public IReadOnlyList<UpstreamHost> Hosts => _hosts.Values.Select(e => e.Host).ToList();

    public void Start() =>
        _timer ??= _timeProvider.CreateTimer(static state => ((OriginalDstHosts)state!).Cleanup(), this, _cleanupInterval, _cleanupInterval);

    /// <summary>The host for <paramref name="destination"/>; null when the connection has no original destination.</summary>
    public UpstreamHost? Pick(IPEndPoint? destination)
    {
        if (destination is null)
        {
            return null;
        }

        if (_hosts.TryGetValue(destination, out var entry))
        {
            entry.MarkUsed();
            return entry.Host;
        }

        entry = _hosts.GetOrAdd(
            destination,
            static d => new Entry(new UpstreamHost(new EndpointConfig(
                new SocketAddressConfig(d.Address, d.Port), 1, EndpointHealth.Healthy, 0, string.Empty))));
        entry.MarkUsed();
        _cluster.OnMembershipChanged();
        return entry.Host;
    }

    /// <summary>One sweep: drops hosts not picked since the previous sweep (the timer calls this; tests may too).</summary>
    public void Cleanup()
    {
        var removed = false;
        foreach (var pair in _hosts)
        {
            if (!pair.Value.TakeUsed())
            {
                removed |= _hosts.TryRemove(pair);
            }
        }

        if (removed)
        {
            _cluster.OnMembershipChanged();
        }
    }

    public void Dispose() => _timer?.Dispose();

    private sealed class Entry(UpstreamHost host)
    {
        private int _used;

        public UpstreamHost Host { get; } = host;

        // Read first: picks of a busy destination then only read a shared cache line instead of writing it.
        public void MarkUsed()
        {
            if (Volatile.Read(ref _used) == 0)
            {
                Volatile.Write(ref _used, 1);
            }
        }

        public bool TakeUsed() => Interlocked.Exchange(ref _used, 0) != 0;
    }
}
