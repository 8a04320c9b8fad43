using System.Collections.Immutable;
using System.Net;
using BenchmarkDotNet.Attributes;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;

namespace MeshProxy.Benchmarks;

/// <summary>
/// CDS/EDS apply of 1,000 clusters with 10 endpoints each: from scratch (start-up, new stats), the same set again
/// (a push that changed other resources), and the set with one cluster's endpoints changed (an EDS push), which should
/// cost about one cluster's build plus a walk over the names.
/// </summary>
[MemoryDiagnoser]
public class ClusterApplyBenchmarks : IDisposable
{
    private const int Clusters = 1000;
    private const int EndpointsPerCluster = 10;
    private ImmutableArray<ClusterConfig> _configs;
    private ImmutableArray<ClusterConfig> _oneChanged;
    private ClusterManager _manager = null!;
    private StatsStore _stats = null!;
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        _configs = Enumerable.Range(0, Clusters).Select(i => Cluster(i, portBase: 10_000)).ToImmutableArray();
        _oneChanged = _configs.SetItem(Clusters / 2, Cluster(Clusters / 2, portBase: 20_000));
        _stats = new StatsStore();
        _manager = new ClusterManager(_stats, Serilog.Core.Logger.None);
        _manager.ApplyAsync(_configs).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _manager.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark]
    public async Task ApplyFromScratch()
    {
        using var manager = new ClusterManager(new StatsStore(), Serilog.Core.Logger.None);
        await manager.ApplyAsync(_configs).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ApplyFromScratch"/> with every stat already in the store: what the build costs without stats registration.</summary>
    [Benchmark]
    public async Task ApplyFromScratchStatsRegistered()
    {
        using var manager = new ClusterManager(_stats, Serilog.Core.Logger.None);
        await manager.ApplyAsync(_configs).ConfigureAwait(false);
    }

    [Benchmark]
    public Task ApplySameSet() => _manager.ApplyAsync(_configs);

    /// <summary>Alternates between the two sets, so every apply rebuilds exactly one cluster.</summary>
    [Benchmark]
    public Task ApplyOneClusterChanged()
    {
        _flip = !_flip;
        return _manager.ApplyAsync(_flip ? _oneChanged : _configs);
    }

    private static ClusterConfig Cluster(int index, int portBase) => new(
        $"outbound|8080||svc{index}.default.svc.cluster.local",
        ClusterDiscoveryType.Eds,
        TimeSpan.FromSeconds(10),
        LbPolicy.RoundRobin,
        Enumerable.Range(0, EndpointsPerCluster)
            .Select(e => new EndpointConfig(
                new SocketAddressConfig(new IPAddress([10, (byte)(index >> 8), (byte)index, (byte)e]), portBase + e),
                1,
                EndpointHealth.Healthy,
                0,
                string.Empty))
            .ToImmutableArray(),
        0);
}
