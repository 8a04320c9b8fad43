using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using Serilog;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// Holds the runtime clusters by name. <see cref="ApplyAsync"/> is incremental: a cluster whose
/// <see cref="ClusterConfig"/> object is the one it was built from is kept as it is (the xDS store keeps unchanged
/// config objects across pushes), changed ones are rebuilt and swapped in, removed ones are dropped and disposed.
/// </summary>
internal sealed class ClusterManager : IDisposable
{
    /// <summary>
    /// How long an apply waits for the first resolution of new DNS clusters (Envoy's cluster warming) before making
    /// them live anyway; a resolution still running then fills their hosts when it ends.
    /// </summary>
    public static readonly TimeSpan InitialResolutionTimeout = TimeSpan.FromSeconds(5);

    private readonly StatsStore _stats;
    private readonly UpstreamServices _services;
    private readonly ILogger _logger;
    private volatile FrozenDictionary<string, ClusterSlot> _slots = FrozenDictionary<string, ClusterSlot>.Empty;

    // The last applied list and the slot of each of its entries: the xDS store hands back the same objects in the same
    // order for unchanged clusters, so most entries are matched by one reference compare instead of a name lookup.
    private ImmutableArray<ClusterConfig> _lastConfigs = [];
    private ClusterSlot[] _lastSlots = [];
    private int _generation;
    private bool _disposed;

    public ClusterManager(StatsStore stats, ILogger logger, IDnsResolver? dnsResolver = null, TimeProvider? timeProvider = null)
    {
        _stats = stats;
        _logger = logger;
        _services = new UpstreamServices(dnsResolver ?? SystemDnsResolver.Instance, timeProvider ?? TimeProvider.System, logger);
        Stats = new ClusterManagerStats(stats);
    }

    public ClusterManagerStats Stats { get; }

    /// <summary>Clusters live now.</summary>
    public int Count => _slots.Count;

    /// <summary>
    /// Makes <paramref name="clusters"/> the live set. Validation (duplicate names) happens before anything changes;
    /// new DNS clusters get their first resolution (bounded by <see cref="InitialResolutionTimeout"/>) before they go
    /// live. Not reentrant: the runtime serializes applies.
    /// </summary>
    public async Task ApplyAsync(ImmutableArray<ClusterConfig> clusters, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var current = _slots;
        var generation = ++_generation;
        var kept = 0;
        clusters = clusters.IsDefault ? [] : clusters;
        var lastConfigs = _lastConfigs;
        var lastSlots = _lastSlots;
        var slots = new ClusterSlot?[clusters.Length];
        List<(ClusterSlot Slot, ClusterConfig Config)>? changedConfigs = null;
        Dictionary<string, ClusterConfig>? addedConfigs = null;
        for (var i = 0; i < clusters.Length; i++)
        {
            var config = clusters[i];
            var slot = i < lastConfigs.Length && ReferenceEquals(lastConfigs[i], config) ? lastSlots[i] : null;
            if (slot is not null || current.TryGetValue(config.Name, out slot))
            {
                slots[i] = slot;
                if (slot.Generation == generation)
                {
                    throw Duplicate(config.Name, nameof(clusters));
                }

                slot.Generation = generation;
                kept++;
                if (!ReferenceEquals(slot.Cluster.Config, config))
                {
                    (changedConfigs ??= []).Add((slot, config));
                }
            }
            else if (!(addedConfigs ??= new(StringComparer.Ordinal)).TryAdd(config.Name, config))
            {
                throw Duplicate(config.Name, nameof(clusters));
            }
        }

        var (replacements, added) = await BuildAsync(changedConfigs, addedConfigs, cancellationToken).ConfigureAwait(false);

        // Commit: nothing below fails.
        List<Cluster>? retired = null;
        foreach (var (slot, cluster) in replacements)
        {
            (retired ??= []).Add(slot.Cluster);
            slot.Cluster = cluster;
        }

        List<Cluster>? removed = null;
        if (added.Count > 0 || kept < current.Count)
        {
            var table = new Dictionary<string, ClusterSlot>(kept + added.Count, StringComparer.Ordinal);
            foreach (var pair in current)
            {
                if (pair.Value.Generation == generation)
                {
                    table.Add(pair.Key, pair.Value);
                }
                else
                {
                    (removed ??= []).Add(pair.Value.Cluster);
                }
            }

            foreach (var cluster in added)
            {
                table.Add(cluster.Name, new ClusterSlot(cluster) { Generation = generation });
            }

            _slots = table.ToFrozenDictionary(StringComparer.Ordinal);
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] ??= table[clusters[i].Name];
            }
        }

        _lastConfigs = clusters;
        _lastSlots = slots!;

        ActivateAndRetire(replacements, added, retired, removed);
    }

    public bool TryGet(string name, [NotNullWhen(true)] out Cluster? cluster)
    {
        if (_slots.TryGetValue(name, out var slot))
        {
            cluster = slot.Cluster;
            return true;
        }

        cluster = null;
        return false;
    }

    /// <summary>Stops every cluster's timers (runtime shutdown).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var slot in _slots.Values)
        {
            slot.Cluster.Dispose();
        }
    }

    private static ArgumentException Duplicate(string name, string paramName) => new($"duplicate cluster name '{name}'", paramName);

    private async Task<(List<(ClusterSlot Slot, Cluster Cluster)> Replacements, List<Cluster> Added)> BuildAsync(
        List<(ClusterSlot Slot, ClusterConfig Config)>? changedConfigs,
        Dictionary<string, ClusterConfig>? addedConfigs,
        CancellationToken cancellationToken)
    {
        var replacements = new List<(ClusterSlot Slot, Cluster Cluster)>(changedConfigs?.Count ?? 0);
        var added = new List<Cluster>(addedConfigs?.Count ?? 0);
        List<Task>? starts = null;
        try
        {
            foreach (var (slot, config) in changedConfigs ?? [])
            {
                var previous = slot.Cluster;
                var cluster = new Cluster(config, previous.Stats, previous.Connections, _services);
                replacements.Add((slot, cluster));
                Start(cluster, ref starts);
            }

            foreach (var config in addedConfigs?.Values ?? (IEnumerable<ClusterConfig>)[])
            {
                var cluster = new Cluster(config, new ClusterStats(_stats, config.Name), null, _services);
                added.Add(cluster);
                Start(cluster, ref starts);
            }

            if (starts is not null)
            {
                await WaitForFirstResolutionAsync(starts, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            foreach (var (_, cluster) in replacements)
            {
                cluster.Dispose();
            }

            foreach (var cluster in added)
            {
                cluster.Dispose();
            }

            throw;
        }

        return (replacements, added);
    }

    private static void Start(Cluster cluster, ref List<Task>? starts)
    {
        var start = cluster.StartAsync();
        if (!start.IsCompleted)
        {
            (starts ??= []).Add(start);
        }
    }

    private async Task WaitForFirstResolutionAsync(List<Task> starts, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(starts).WaitAsync(InitialResolutionTimeout, _services.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.Warning(
                "{Count} DNS cluster(s) not resolved within {Timeout}; they go live without hosts until their resolution ends",
                starts.Count(t => !t.IsCompleted),
                InitialResolutionTimeout);
        }
    }

    private void ActivateAndRetire(
        List<(ClusterSlot Slot, Cluster Cluster)> replacements, List<Cluster> added, List<Cluster>? retired, List<Cluster>? removed)
    {
        foreach (var (_, cluster) in replacements)
        {
            cluster.Activate();
        }

        foreach (var cluster in added)
        {
            cluster.Activate();
        }

        // Connections opened through a retired cluster keep using it; only its timers stop.
        foreach (var cluster in retired ?? [])
        {
            cluster.Dispose();
        }

        foreach (var cluster in removed ?? [])
        {
            cluster.Dispose();
            cluster.Stats.MembershipTotal.Set(0);
            cluster.Stats.MembershipHealthy.Set(0);
            _logger.Debug("Cluster {Cluster} removed", cluster.Name);
        }

        Stats.ClusterAdded.Increment(added.Count);
        Stats.ClusterModified.Increment(replacements.Count);
        Stats.ClusterRemoved.Increment(removed?.Count ?? 0);
        Stats.ActiveClusters.Set(_slots.Count);
    }
}
