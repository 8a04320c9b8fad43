using System.Buffers;
using System.Text;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http.Routing;
using static MeshProxy.Tests.Http.Routing.RouteConfigs;

namespace MeshProxy.Tests.Http.Routing;

public class RouteActionTests
{
    private static RouteEntryConfig Weighted(params (string Name, uint Weight)[] clusters) =>
        Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig { WeightedClusters = [.. clusters.Select(c => new WeightedClusterConfig(c.Name, c.Weight))] });

    private static string Rewrite(RouteTable table, string path)
    {
        var request = Get(path);
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(table.FindRoute(request)!.TryRewritePath(request, writer));
        return Encoding.Latin1.GetString(writer.WrittenSpan);
    }

    private static string Location(RedirectActionConfig redirect, string url, string? forwardedProto = null, string prefix = "/")
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, prefix), redirect));
        var uri = new Uri(url);
        var request = Get(uri.PathAndQuery, uri.IsDefaultPort && !url.Contains(":80/", StringComparison.Ordinal) && !url.Contains(":443/", StringComparison.Ordinal) ? uri.Host : $"{uri.Host}:{uri.Port}")
            .WithScheme(uri.Scheme);
        if (forwardedProto is not null)
        {
            request.WithHeader("x-forwarded-proto", forwardedProto);
        }

        var decision = table.Match(request, RandomSource.Shared);
        Assert.Equal(RouteDecisionKind.Redirect, decision.Kind);
        var writer = new ArrayBufferWriter<byte>();
        decision.Route!.WriteRedirectLocation(request, writer);
        return Encoding.Latin1.GetString(writer.WrittenSpan);
    }

    [Fact]
    public void Match_SingleCluster_ForwardsToIt()
    {
        var decision = Single(Prefix("/", "backend")).Match(Get("/"), RandomSource.Shared);

        Assert.Equal(RouteDecisionKind.Forward, decision.Kind);
        Assert.Equal("backend", decision.ClusterName);
        Assert.True(decision.TryGetClusterName(Get("/"), out var name));
        Assert.Equal("backend"u8.ToArray(), name.ToArray());
        Assert.Null(decision.WeightedCluster);
    }

    [Fact]
    public void Match_NoRoute_ReturnsNoRouteDecision()
    {
        var decision = Single(Prefix("/api", "api")).Match(Get("/web"), RandomSource.Shared);

        Assert.Equal(RouteDecisionKind.NoRoute, decision.Kind);
        Assert.Null(decision.Route);
        Assert.False(decision.TryGetClusterName(Get("/web"), out _));
    }

    [Fact]
    public void Match_WeightedClustersWithSeededRandom_SplitsByWeight()
    {
        var table = Single(Weighted(("a", 10), ("b", 30), ("c", 60), ("off", 0)));
        var random = new RandomSource(new Random(1234));
        var counts = new Dictionary<string, int>();
        const int Picks = 100_000;
        for (var i = 0; i < Picks; i++)
        {
            var name = table.Match(Get("/"), random).ClusterName!;
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }

        Assert.InRange(counts["a"] / (double)Picks, 0.09, 0.11);
        Assert.InRange(counts["b"] / (double)Picks, 0.29, 0.31);
        Assert.InRange(counts["c"] / (double)Picks, 0.59, 0.61);
        Assert.False(counts.ContainsKey("off"));
    }

    [Theory]
    [InlineData(0UL, "a")]
    [InlineData(9UL, "a")]
    [InlineData(10UL, "b")]
    [InlineData(39UL, "b")]
    [InlineData(40UL, "c")]
    [InlineData(99UL, "c")]
    [InlineData(100UL, "a")]
    public void Match_WeightedClusters_PicksRandomModuloTotalRange(ulong random, string expected)
    {
        var table = Single(Weighted(("a", 10), ("b", 30), ("c", 60)));

        var decision = table.Match(Get("/"), new SequenceRandom(random));

        Assert.Equal(expected, decision.ClusterName);
        Assert.Equal(expected, decision.WeightedCluster!.Name);
        Assert.True(decision.TryGetClusterName(Get("/"), out var name));
        Assert.Equal(expected, Encoding.UTF8.GetString(name));
    }

    [Theory]
    [InlineData(0UL, null, "a.internal")]
    [InlineData(1UL, null, null)]
    [InlineData(0UL, "route.internal", "route.internal")]
    [InlineData(1UL, "route.internal", "route.internal")]
    public void TryGetHostRewriteLiteral_WeightedCluster_UsesPickedClusterUnlessRouteRewrites(ulong random, string? routeRewrite, string? expected)
    {
        var action = new ForwardActionConfig
        {
            WeightedClusters = [new WeightedClusterConfig("a", 1) { HostRewriteLiteral = "a.internal" }, new WeightedClusterConfig("b", 1)],
            HostRewriteLiteral = routeRewrite,
        };
        var decision = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), action)).Match(Get("/"), new SequenceRandom(random));

        var rewrites = decision.TryGetHostRewriteLiteral(out var host);

        Assert.Equal(expected is not null, rewrites);
        Assert.Equal(expected ?? string.Empty, Encoding.UTF8.GetString(host));
        Assert.Equal(random == 0 ? "a.internal" : string.Empty, Encoding.UTF8.GetString(decision.WeightedCluster!.HostRewriteLiteral.Span));
    }

    [Fact]
    public void TryGetHostRewriteLiteral_SingleClusterAndNoRoute_FollowRouteOnly()
    {
        var rewriting = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig { Cluster = "c", HostRewriteLiteral = "r.internal" }));

        Assert.True(rewriting.Match(Get("/"), RandomSource.Shared).TryGetHostRewriteLiteral(out var host));
        Assert.Equal("r.internal", Encoding.UTF8.GetString(host));
        Assert.False(Single(Prefix("/", "c")).Match(Get("/"), RandomSource.Shared).TryGetHostRewriteLiteral(out _));
        Assert.False(RouteDecision.NoRoute.TryGetHostRewriteLiteral(out _));
    }

    [Fact]
    public void TryGetClusterName_ClusterHeader_ReadsHeaderOrFails()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig { ClusterHeader = "x-cluster" }));
        var request = Get("/").WithHeader("x-cluster", "shard-7");

        var decision = table.Match(request, RandomSource.Shared);

        Assert.Null(decision.ClusterName);
        Assert.Equal("x-cluster", decision.Route!.ClusterHeader);
        Assert.True(decision.TryGetClusterName(request, out var name));
        Assert.Equal("shard-7", Encoding.UTF8.GetString(name));
        Assert.False(decision.TryGetClusterName(Get("/"), out _));
    }

    [Fact]
    public void TryRewritePath_PrefixRewrite_ReplacesMatchedPrefixAndKeepsQuery()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/api"), new ForwardActionConfig { Cluster = "c", PrefixRewrite = "/v2" }));

        Assert.Equal("/v2/users?x=1", Rewrite(table, "/api/users?x=1"));
        Assert.Equal("/v2", Rewrite(table, "/api"));
    }

    [Fact]
    public void TryRewritePath_PrefixRewriteCaseInsensitivePrefix_ReplacesMatchedLength()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.PathSeparatedPrefix, "/api") { CaseSensitive = false }, new ForwardActionConfig { Cluster = "c", PrefixRewrite = "/" }));

        Assert.Equal("//x", Rewrite(table, "/API/x"));
    }

    [Fact]
    public void TryRewritePath_PrefixRewriteOnExactPath_ReplacesWholePath()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Path, "/old"), new ForwardActionConfig { Cluster = "c", PrefixRewrite = "/new" }));

        Assert.Equal("/new?a=b", Rewrite(table, "/old?a=b"));
    }

    [Fact]
    public void TryRewritePath_RegexRewriteLiteral_ReplacesEveryMatchInPathOnly()
    {
        var rewrite = new RegexRewriteConfig(Unanchored("/v0/"), "/v1/");
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig { Cluster = "c", RegexRewrite = rewrite }));

        Assert.Equal("/a/v1/b/v1/c?q=/v0/", Rewrite(table, "/a/v0/b/v0/c?q=/v0/"));
    }

    [Fact]
    public void TryRewritePath_RegexRewriteWithGroups_SubstitutesGroups()
    {
        // What the converter makes of Envoy's "\2/instance/\1".
        var rewrite = new RegexRewriteConfig(Unanchored("^/service/([^/]+)(/.*)$"), "${2}/instance/${1}");
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig { Cluster = "c", RegexRewrite = rewrite }));

        Assert.Equal("/v1/api/instance/foo?x", Rewrite(table, "/service/foo/v1/api?x"));
    }

    [Fact]
    public void TryRewritePath_RegexRewriteLiteralDollar_WritesDollar()
    {
        var rewrite = new RegexRewriteConfig(Unanchored("x"), "$$");
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig { Cluster = "c", RegexRewrite = rewrite }));

        Assert.Equal("/a$b", Rewrite(table, "/axb"));
    }

    [Fact]
    public void TryRewritePath_NoRewrite_ReturnsFalseAndWritesNothing()
    {
        var table = Single(Prefix("/", "c"));
        var writer = new ArrayBufferWriter<byte>();

        Assert.False(table.FindRoute(Get("/x"))!.TryRewritePath(Get("/x"), writer));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Match_HostRewriteAndTimeouts_AreExposed()
    {
        var action = new ForwardActionConfig
        {
            Cluster = "c",
            HostRewriteLiteral = "upstream.internal",
            Timeout = TimeSpan.FromSeconds(3),
            IdleTimeout = TimeSpan.FromSeconds(30),
        };
        var route = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), action)).FindRoute(Get("/"))!;

        Assert.True(route.HasHostRewriteLiteral);
        Assert.Equal("upstream.internal", Encoding.UTF8.GetString(route.HostRewriteLiteral.Span));
        Assert.False(route.AutoHostRewrite);
        Assert.Equal(TimeSpan.FromSeconds(3), route.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(30), route.IdleTimeout);
    }

    [Fact]
    public void Match_AutoHostRewriteAndDisabledTimeout_AreExposed()
    {
        var route = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig { Cluster = "c", AutoHostRewrite = true, Timeout = null }))
            .FindRoute(Get("/"))!;

        Assert.True(route.AutoHostRewrite);
        Assert.False(route.HasHostRewriteLiteral);
        Assert.Null(route.Timeout);
    }

    [Fact]
    public void RetryPolicy_RouteWithoutPolicy_UsesVirtualHostPolicy()
    {
        var hostPolicy = new RetryPolicyConfig(["5xx"], 3);
        var routePolicy = new RetryPolicyConfig(["connect-failure"], 1);
        var host = Host("h", ["*"],
            Route(new RouteMatchConfig(PathMatchKind.Prefix, "/own"), new ForwardActionConfig { Cluster = "c", RetryPolicy = routePolicy }),
            Prefix("/", "c")) with { RetryPolicy = hostPolicy };
        var table = Build(host);

        Assert.Equal(RetryOn.ConnectFailure, table.FindRoute(Get("/own"))!.RetryPolicy!.RetryOn);
        Assert.Equal(1u, table.FindRoute(Get("/own"))!.RetryPolicy!.NumRetries);
        Assert.Equal(RetryOn.Http5xx, table.FindRoute(Get("/other"))!.RetryPolicy!.RetryOn);
        Assert.Equal(3u, table.FindRoute(Get("/other"))!.RetryPolicy!.NumRetries);
    }

    [Fact]
    public void WriteRedirectLocation_HttpsRedirectFromDefaultPort_DropsPortKeepsPathAndQuery()
    {
        Assert.Equal("https://a.com/p?q=1", Location(new RedirectActionConfig { Scheme = "https" }, "http://a.com:80/p?q=1"));
        Assert.Equal("https://a.com/p", Location(new RedirectActionConfig { Scheme = "https" }, "http://a.com/p"));
    }

    [Fact]
    public void WriteRedirectLocation_HttpsRedirectFromOtherPort_KeepsPort()
    {
        Assert.Equal("https://a.com:8080/p", Location(new RedirectActionConfig { Scheme = "https" }, "http://a.com:8080/p"));
    }

    [Fact]
    public void WriteRedirectLocation_ForwardedProtoHttps_DropsPort443WhenSchemeChanges()
    {
        Assert.Equal("http://a.com/p", Location(new RedirectActionConfig { Scheme = "http" }, "http://a.com:443/p", forwardedProto: "https"));
    }

    [Fact]
    public void WriteRedirectLocation_HostAndPortRedirect_ReplaceAuthorityParts()
    {
        Assert.Equal("http://b.com/p", Location(new RedirectActionConfig { Host = "b.com" }, "http://a.com:8080/p"));
        Assert.Equal("http://a.com:9443/p", Location(new RedirectActionConfig { Port = 9443 }, "http://a.com:8080/p"));
        Assert.Equal("https://b.com:9443/p", Location(new RedirectActionConfig { Scheme = "https", Host = "b.com", Port = 9443 }, "http://a.com/p"));
    }

    [Fact]
    public void WriteRedirectLocation_PathRedirect_KeepsRequestQueryUnlessItHasOne()
    {
        Assert.Equal("http://a.com/new?q=1", Location(new RedirectActionConfig { Path = "/new" }, "http://a.com/old?q=1"));
        Assert.Equal("http://a.com/new?fixed=1", Location(new RedirectActionConfig { Path = "/new?fixed=1" }, "http://a.com/old?q=1"));
        Assert.Equal("http://a.com/new?fixed=1", Location(new RedirectActionConfig { Path = "/new?fixed=1", StripQuery = true }, "http://a.com/old?q=1"));
    }

    [Fact]
    public void WriteRedirectLocation_StripQuery_RemovesQuery()
    {
        Assert.Equal("http://a.com/old", Location(new RedirectActionConfig { StripQuery = true }, "http://a.com/old?q=1"));
        Assert.Equal("http://a.com/new", Location(new RedirectActionConfig { Path = "/new", StripQuery = true }, "http://a.com/old?q=1"));
    }

    [Fact]
    public void WriteRedirectLocation_PrefixAndRegexRewrite_RewritePath()
    {
        Assert.Equal("http://a.com/v2/x?q", Location(new RedirectActionConfig { PrefixRewrite = "/v2" }, "http://a.com/v1/x?q", prefix: "/v1"));
        Assert.Equal(
            "http://a.com/b/c",
            Location(new RedirectActionConfig { RegexRewrite = new RegexRewriteConfig(Unanchored("a"), "b") }, "http://a.com/a/c"));
    }

    [Fact]
    public void Match_Redirect_DefaultsTo301AndKeepsConfiguredCode()
    {
        Assert.Equal(301, Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new RedirectActionConfig())).FindRoute(Get("/"))!.RedirectResponseCode);
        Assert.Equal(308, Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new RedirectActionConfig { ResponseCode = 308 })).FindRoute(Get("/"))!.RedirectResponseCode);
    }

    [Fact]
    public void Match_DirectResponse_ExposesStatusAndBody()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Path, "/healthz"), new DirectResponseActionConfig(503, [.. "down"u8])));

        var decision = table.Match(Get("/healthz"), RandomSource.Shared);

        Assert.Equal(RouteDecisionKind.DirectResponse, decision.Kind);
        Assert.Equal(503, decision.Route!.DirectResponseStatus);
        Assert.Equal("down", Encoding.UTF8.GetString(decision.Route.DirectResponseBody.Span));
        Assert.False(decision.TryGetClusterName(Get("/healthz"), out _));
    }

    [Fact]
    public void Build_ForwardWithoutClusterSpecifier_Throws()
    {
        Assert.Throws<ArgumentException>(() => Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), new ForwardActionConfig())));
    }
}
