using System.Collections.Immutable;
using System.Net;
using BenchmarkDotNet.Attributes;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Upstream;

namespace MeshProxy.Benchmarks;

/// <summary>Per-connection work of tcp_proxy besides the bytes: a load-balancer pick and counter increments.</summary>
[MemoryDiagnoser]
public class UpstreamBenchmarks
{
    private WeightedRoundRobinLoadBalancer _weighted = null!;
    private WeightedRoundRobinLoadBalancer _uniform = null!;
    private Counter _counter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _weighted = new WeightedRoundRobinLoadBalancer(Hosts(3, 1, 2, 5, 1, 1, 4, 2));
        _uniform = new WeightedRoundRobinLoadBalancer(Hosts(1, 1, 1, 1, 1, 1, 1, 1));
        _counter = new StatsStore().GetCounter("cluster.bench.upstream_cx_total");
    }

    [Benchmark]
    public IUpstreamHost? PickWeightedRoundRobin8Hosts() => _weighted.Pick(LoadBalancerContext.None);

    [Benchmark]
    public IUpstreamHost? PickUniformRoundRobin8Hosts() => _uniform.Pick(LoadBalancerContext.None);

    [Benchmark]
    public void CounterIncrement() => _counter.Increment();

    private static IUpstreamHost[] Hosts(params uint[] weights) =>
        weights.Select((w, i) => (IUpstreamHost)new UpstreamHost(new EndpointConfig(
            new SocketAddressConfig(IPAddress.Loopback, 9000 + i), w, EndpointHealth.Healthy, 0, string.Empty))).ToArray();
}
