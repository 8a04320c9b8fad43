using System.Buffers;
using System.Net;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http;
using MeshProxy.Core.Http.Routing;
using static MeshProxy.Tests.Http.Routing.RouteConfigs;

namespace MeshProxy.Tests.Http.Routing;

public class RouteAllocationTests
{
    /// <summary>A mutator that stores nothing, so only the router's own allocations are measured.</summary>
    private sealed class NullMutator : IHttpHeaderMutator
    {
        public int Calls { get; private set; }

        public bool Contains(ReadOnlySpan<byte> lowerCaseName) => false;

        public void Add(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value) => Calls++;

        public void Set(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value) => Calls++;

        public void Remove(ReadOnlySpan<byte> lowerCaseName) => Calls++;
    }

    /// <summary>100 routes across 3 virtual hosts, the hit near the end of the busiest one, with matchers of every kind before it.</summary>
    internal static RouteTable HundredRouteTable()
    {
        var routes = new List<RouteEntryConfig>();
        for (var i = 0; i < 95; i++)
        {
            routes.Add(Route(PrefixMatch($"/svc{i}/", Header("x-version", StringMatchKind.Exact, "v2")), $"svc{i}"));
        }

        routes.Add(Route(new RouteMatchConfig(PathMatchKind.Regex, string.Empty) { PathRegex = Anchored("/users/[0-9]+/orders") }, "regex"));
        routes.Add(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/api") { QueryParameters = [new QueryParameterMatcherConfig("debug", null)] }, "debug"));
        var hit = new RouteEntryConfig(
            "hit",
            new RouteMatchConfig(PathMatchKind.PathSeparatedPrefix, "/api")
            {
                CaseSensitive = false,
                Headers = [Header("x-user", StringMatchKind.Prefix, "jas", ignoreCase: true), new HeaderMatcherConfig("x-n", HeaderMatchKind.Range) { RangeStart = 0, RangeEnd = 100 }],
            },
            new ForwardActionConfig
            {
                WeightedClusters = [new WeightedClusterConfig("v1", 90), new WeightedClusterConfig("v2", 10)],
                PrefixRewrite = "/internal",
                HashPolicy = [new HashPolicyConfig(HashPolicyKind.Header, "x-user"), new HashPolicyConfig(HashPolicyKind.SourceIp, string.Empty)],
            })
        {
            Headers = new HeaderMutationConfig
            {
                RequestHeadersToAdd =
                [
                    new HeaderValueOptionConfig("x-client", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", HeaderAppendAction.OverwriteIfExistsOrAdd),
                    new HeaderValueOptionConfig("x-echo", "user=%REQ(x-user)% via %PROTOCOL%", HeaderAppendAction.AppendIfExistsOrAdd),
                ],
                RequestHeadersToRemove = ["x-internal"],
            },
        };
        routes.Add(hit);
        routes.Add(Prefix("/", "fallback"));
        return Build(
            Host("ratings", ["ratings.default.svc.cluster.local", "ratings.default.svc.cluster.local:9080"], Prefix("/", "ratings")),
            Host("reviews", ["reviews.default.svc.cluster.local", "reviews", "reviews:9080"], [.. routes]),
            Host("default", ["*"], Prefix("/", "passthrough")));
    }

    internal static InMemoryHttpRequest TypicalRequest()
    {
        var request = new InMemoryHttpRequest("GET", "reviews:9080", "/API/products/42?color=red")
            .WithHeader("user-agent", "curl/8.0")
            .WithHeader("accept", "*/*")
            .WithHeader("x-request-id", "7f1d8a2c-3b9e-4c1a-9d2e-5f6a7b8c9d0e")
            .WithHeader("x-user", "Jason")
            .WithHeader("x-n", "42");
        request.RemoteAddress = new IPEndPoint(IPAddress.Parse("10.44.0.7"), 41234);
        return request;
    }

    [Fact]
    public void Match_TypicalRequestOnHundredRoutes_AllocatesNothingAfterWarmUp()
    {
        var table = HundredRouteTable();
        var request = TypicalRequest();
        var random = new RandomSource(new Random(5));
        var writer = new ArrayBufferWriter<byte>(256);
        var mutator = new NullMutator();
        var context = new HeaderFormatContext(DateTime.UtcNow);

        void RouteOnce()
        {
            var decision = table.Match(request, random);
            Assert.Equal("hit", decision.Route!.Name);
            Assert.True(decision.TryGetClusterName(request, out _));
            Assert.True(decision.Route.HashPolicy!.TryComputeHash(request, out _));
            writer.ResetWrittenCount();
            Assert.True(decision.Route.TryRewritePath(request, writer));
            decision.ApplyRequestHeaders(request, mutator, context);
        }

        for (var i = 0; i < 200; i++)
        {
            RouteOnce();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            RouteOnce();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(mutator.Calls > 0);
    }
}
