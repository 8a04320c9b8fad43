using System.Net;
using BenchmarkDotNet.Attributes;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Config;
using MeshProxy.Core.Upstream;
using MeshProxy.Core.Upstream.LoadBalancing;

namespace MeshProxy.Benchmarks;

/// <summary>
/// One pick of each policy through the cluster's host set (priority draw included when it applies), over 8 and 100
/// healthy hosts with mixed weights; ring hash and Maglev with a request hash key. Must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class LoadBalancerBenchmarks
{
    private ILoadBalancer _balancer = null!;
    private LoadBalancerContext _context;

    [Params(8, 100)]
    public int Hosts { get; set; }

    [Params(LbPolicy.RoundRobin, LbPolicy.LeastRequest, LbPolicy.Random, LbPolicy.RingHash, LbPolicy.Maglev)]
    public LbPolicy Policy { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var endpoints = Enumerable.Range(0, Hosts)
            .Select(i => new EndpointConfig(
                new SocketAddressConfig(new IPAddress([10, 0, (byte)(i / 250), (byte)((i % 250) + 1)]), 8080), (uint)(1 + (i % 4)), EndpointHealth.Healthy, 0, string.Empty))
            .ToArray();
        var config = new ClusterConfig("bench", ClusterDiscoveryType.Static, TimeSpan.FromSeconds(1), Policy, [.. endpoints], 0);
        var hostSet = ClusterHostSet.Build(config, config.Endpoints, SystemRandom.Shared);
        _balancer = hostSet.LoadBalancer;
        _context = new LoadBalancerContext(0x9E3779B97F4A7C15UL);
    }

    [Benchmark]
    public IUpstreamHost? Pick() => _balancer.Pick(_context);
}
