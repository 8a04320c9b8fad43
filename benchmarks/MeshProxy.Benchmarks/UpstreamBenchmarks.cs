using System.Collections.Immutable;
using System.Net;
using BenchmarkDotNet.Attributes;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;
using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Benchmarks;

/// <summary>Per-connection work of tcp_proxy besides the bytes: a load-balancer pick and counter increments.</summary>
[MemoryDiagnoser]
public class UpstreamBenchmarks
{
    private RoundRobinPicker _weighted = null!;
    private RoundRobinPicker _uniform = null!;
    private Counter _counter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _weighted = new RoundRobinPicker(Hosts(3, 1, 2, 5, 1, 1, 4, 2), SystemRandom.Shared);
        _uniform = new RoundRobinPicker(Hosts(1, 1, 1, 1, 1, 1, 1, 1), SystemRandom.Shared);
        _counter = new StatsStore().GetCounter("cluster.bench.upstream_cx_total");
    }

    [Benchmark]
    public IUpstreamHost? PickWeightedRoundRobin8Hosts() => _weighted.Pick();

    [Benchmark]
    public IUpstreamHost? PickUniformRoundRobin8Hosts() => _uniform.Pick();

    [Benchmark]
    public void CounterIncrement() => _counter.Increment();

    private static UpstreamHost[] Hosts(params uint[] weights) =>
        weights.Select((w, i) => new UpstreamHost(new EndpointConfig(
            new SocketAddressConfig(IPAddress.Loopback, 9000 + i), w, EndpointHealth.Healthy, 0, string.Empty))).ToArray();
}
