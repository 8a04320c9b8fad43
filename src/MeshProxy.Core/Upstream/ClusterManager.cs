using System.Collections.Frozen;
using System.Collections.Immutable;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using Serilog;

namespace MeshProxy.Core.Upstream;

/// <summary>Holds the runtime clusters; a config change swaps the whole table at once.</summary>
internal sealed class ClusterManager
{
    private readonly StatsStore _stats;
    private readonly ILogger _logger;
    private volatile FrozenDictionary<string, Cluster> _clusters = FrozenDictionary<string, Cluster>.Empty;

    public ClusterManager(StatsStore stats, ILogger logger)
    {
        _stats = stats;
        _logger = logger;
    }

    public void Apply(ImmutableArray<ClusterConfig> clusters)
    {
        var built = new Dictionary<string, Cluster>(StringComparer.Ordinal);
        foreach (var config in clusters)
        {
            if (config.DiscoveryType is not (ClusterDiscoveryType.Static or ClusterDiscoveryType.Eds))
            {
                _logger.Warning(
                    "Cluster {Cluster}: discovery type {DiscoveryType} is not supported yet; using its endpoints as static",
                    config.Name,
                    config.DiscoveryType);
            }

            if (!built.TryAdd(config.Name, new Cluster(config, _stats)))
            {
                throw new ArgumentException($"duplicate cluster name '{config.Name}'", nameof(clusters));
            }
        }

        _clusters = built.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Cluster? cluster) =>
        _clusters.TryGetValue(name, out cluster);
}
