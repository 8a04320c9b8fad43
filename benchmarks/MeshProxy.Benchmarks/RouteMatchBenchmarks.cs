using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http;
using MeshProxy.Core.Http.Routing;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Routing one request (<see cref="RouteTable.Match"/>: virtual host by authority, then routes in order) on tables of
/// 1, 100 and 10,000 routes. Every route is a prefix plus an exact header match, as Istio renders VirtualService
/// header rules. <c>Istio10k</c> spreads 10,000 routes over 1,000 virtual hosts of 10 routes (each host with the
/// four domain forms Istio emits); <c>OneHost10k</c> is the worst case of 10,000 routes in one host.
/// <c>HitLast</c> picks the last route of the last host instead of the first of the first.
/// </summary>
[MemoryDiagnoser]
public class RouteMatchBenchmarks
{
    public enum TableShape
    {
        One,
        Hundred,
        Istio10k,
        OneHost10k,
    }

    private RouteTable _table = null!;
    private InMemoryHttpRequest _request = null!;
    private readonly IRandomSource _random = new RandomSource(new Random(1));

    [Params(TableShape.One, TableShape.Hundred, TableShape.Istio10k, TableShape.OneHost10k)]
    public TableShape Shape { get; set; }

    [Params(false, true)]
    public bool HitLast { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (hosts, routesPerHost) = Shape switch
        {
            TableShape.One => (1, 1),
            TableShape.Hundred => (1, 100),
            TableShape.Istio10k => (1000, 10),
            _ => (1, 10_000),
        };
        var virtualHosts = ImmutableArray.CreateBuilder<VirtualHostConfig>(hosts);
        for (var h = 0; h < hosts; h++)
        {
            var routes = ImmutableArray.CreateBuilder<RouteEntryConfig>(routesPerHost);
            for (var r = 0; r < routesPerHost; r++)
            {
                var match = new RouteMatchConfig(PathMatchKind.Prefix, $"/api/r{r}/")
                {
                    Headers = [new HeaderMatcherConfig("x-version", HeaderMatchKind.Value) { StringMatch = new StringMatcherConfig(StringMatchKind.Exact, "v2") }],
                };
                routes.Add(new RouteEntryConfig($"s{h}-r{r}", match, new ForwardActionConfig { Cluster = $"outbound|9080|v2|s{h}.ns.svc.cluster.local" }));
            }

            var name = $"s{h}.ns.svc.cluster.local";
            virtualHosts.Add(new VirtualHostConfig($"{name}:9080", [name, $"{name}:9080", $"s{h}", $"s{h}:9080"]) { Routes = routes.ToImmutable() });
        }

        _table = RouteTable.Build(new RouteTableConfig("9080", virtualHosts.ToImmutable()));
        var host = HitLast ? hosts - 1 : 0;
        var route = HitLast ? routesPerHost - 1 : 0;
        _request = new InMemoryHttpRequest("GET", $"s{host}:9080", $"/api/r{route}/items?page=2")
            .WithHeader("user-agent", "curl/8.0")
            .WithHeader("x-request-id", "7f1d8a2c-3b9e-4c1a-9d2e-5f6a7b8c9d0e")
            .WithHeader("x-version", "v2");
        if (_table.Match(_request, _random).Route?.Name != $"s{host}-r{route}")
        {
            throw new InvalidOperationException("benchmark table does not route as intended");
        }
    }

    [Benchmark]
    public RouteDecision Match() => _table.Match(_request, _random);
}
