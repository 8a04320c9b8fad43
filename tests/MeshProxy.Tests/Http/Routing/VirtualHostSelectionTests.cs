using MeshProxy.Core.Http.Routing;
using static MeshProxy.Tests.Http.Routing.RouteConfigs;

namespace MeshProxy.Tests.Http.Routing;

public class VirtualHostSelectionTests
{
    private static string? Select(RouteTable table, string authority) =>
        table.FindVirtualHost(System.Text.Encoding.ASCII.GetBytes(authority))?.Name;

    [Fact]
    public void FindVirtualHost_ExactDomainDifferentCase_Matches()
    {
        var table = Build(Host("api", ["api.example.com"]), Host("other", ["*"]));

        Assert.Equal("api", Select(table, "API.Example.COM"));
    }

    [Fact]
    public void FindVirtualHost_AuthorityWithPort_MatchesOnlyDomainWithThatPort()
    {
        var table = Build(Host("bare", ["a.com"]), Host("port", ["a.com:8080"]));

        Assert.Equal("bare", Select(table, "a.com"));
        Assert.Equal("port", Select(table, "a.com:8080"));

        // Envoy does not retry without the port (its FAQ "why is my route not found"; Istio lists both forms).
        Assert.Null(Select(table, "a.com:9090"));
    }

    [Fact]
    public void FindVirtualHost_IgnorePortInHostMatching_StripsPort()
    {
        var table = RouteTable.Build(Table(Host("bare", ["a.com"]), Host("v6", ["[::1]"])) with { IgnorePortInHostMatching = true });

        Assert.Equal("bare", Select(table, "a.com:9090"));
        Assert.Equal("bare", Select(table, "a.com"));
        Assert.Equal("v6", Select(table, "[::1]:80"));
        Assert.Equal("v6", Select(table, "[::1]"));
    }

    [Fact]
    public void FindVirtualHost_SeveralSuffixWildcards_LongestWins()
    {
        var table = Build(Host("com", ["*.com"]), Host("example", ["*.example.com"]), Host("dash", ["*-bar.foo.com"]));

        Assert.Equal("example", Select(table, "x.example.com"));
        Assert.Equal("com", Select(table, "x.other.com"));
        Assert.Equal("dash", Select(table, "baz-bar.foo.com"));
    }

    [Fact]
    public void FindVirtualHost_SuffixWildcardAgainstBareSuffix_DoesNotMatchEmptyPart()
    {
        var table = Build(Host("example", ["*.example.com"]), Host("dash", ["*-bar.foo.com"]), Host("default", ["*"]));

        Assert.Equal("default", Select(table, ".example.com"));
        Assert.Equal("default", Select(table, "-bar.foo.com"));
    }

    [Fact]
    public void FindVirtualHost_ExactAndWildcards_ExactBeatsSuffixBeatsPrefixBeatsDefault()
    {
        var table = Build(
            Host("exact", ["api.example.com"]),
            Host("suffix", ["*.example.com"]),
            Host("prefix", ["api.*"]),
            Host("default", ["*"]));

        Assert.Equal("exact", Select(table, "api.example.com"));
        Assert.Equal("suffix", Select(table, "web.example.com"));
        Assert.Equal("prefix", Select(table, "api.example.org"));
        Assert.Equal("default", Select(table, "web.example.org"));
    }

    [Fact]
    public void FindVirtualHost_SeveralPrefixWildcards_LongestWins()
    {
        var table = Build(Host("short", ["api.*"]), Host("long", ["api.example.*"]));

        Assert.Equal("long", Select(table, "api.example.org"));
        Assert.Equal("short", Select(table, "api.other.org"));
        Assert.Null(Select(table, "api."));
    }

    [Fact]
    public void FindVirtualHost_PrefixWildcardWithPort_MatchesHostWithPort()
    {
        var table = Build(Host("prefix", ["api.*"]));

        Assert.Equal("prefix", Select(table, "api.local:8080"));
    }

    [Fact]
    public void FindVirtualHost_NoMatchAndNoDefault_ReturnsNullAndNoRoute()
    {
        var table = Build(Host("api", ["api.example.com"], Prefix("/", "c")));

        Assert.Null(Select(table, "other.example.com"));
        Assert.Equal(RouteDecisionKind.NoRoute, table.Match(Get("/", "other.example.com"), RandomSource.Shared).Kind);
    }

    [Fact]
    public void FindVirtualHost_OnlyDefaultHost_ServesEmptyAuthority()
    {
        var table = Build(Host("default", ["*"]));

        Assert.Equal("default", Select(table, string.Empty));
    }

    [Fact]
    public void FindVirtualHost_EmptyAuthorityWithNamedHosts_ReturnsNull()
    {
        var table = Build(Host("api", ["api"]), Host("default", ["*"]));

        Assert.Null(Select(table, string.Empty));
    }

    [Fact]
    public void Build_TwoDefaultHosts_Throws()
    {
        Assert.Throws<ArgumentException>(() => Build(Host("a", ["*"]), Host("b", ["*"])));
    }
}
