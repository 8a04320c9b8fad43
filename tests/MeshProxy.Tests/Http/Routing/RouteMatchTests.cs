using MeshProxy.Core.Http;
using MeshProxy.Core.Config.Http;
using static MeshProxy.Tests.Http.Routing.RouteConfigs;

namespace MeshProxy.Tests.Http.Routing;

public class RouteMatchTests
{
    [Fact]
    public void FindRoute_SeveralMatching_FirstInOrderWins()
    {
        var table = Single(Prefix("/api", "api"), Prefix("/", "root"));

        Assert.Equal("api", table.RouteName(Get("/api/users")));
        Assert.Equal("root", table.RouteName(Get("/web")));
    }

    [Fact]
    public void FindRoute_ConnectMatcher_TakesConnectOnly()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Connect, string.Empty), "tunnel"), Prefix("/", "root"));

        Assert.Equal("tunnel", table.RouteName(new InMemoryHttpRequest("CONNECT", "db.internal:5432", "db.internal:5432")));
        Assert.Equal("root", table.RouteName(Get("/")));
        Assert.Equal("root", table.RouteName(new InMemoryHttpRequest("POST", "example.com", "/upload")));
    }

    [Fact]
    public void FindRoute_ConnectRequest_MatchesNoPathBasedRoute()
    {
        // An authority-form target has no path: prefix "/" cannot match it, and neither may a regex that accepts any string.
        var table = Single(
            Prefix("/", "root"),
            Prefix(string.Empty, "empty-prefix"),
            Route(new RouteMatchConfig(PathMatchKind.Regex, string.Empty) { PathRegex = Anchored(".*") }, "any"),
            Route(new RouteMatchConfig(PathMatchKind.PathSeparatedPrefix, "/db"), "separated"));

        Assert.Null(table.RouteName(new InMemoryHttpRequest("CONNECT", "db.internal:5432", "db.internal:5432")));
        Assert.Equal("root", table.RouteName(Get("/x")));
    }

    [Fact]
    public void FindRoute_ConnectMatcherWithHeaders_AllMustHold()
    {
        var table = Single(
            Route(new RouteMatchConfig(PathMatchKind.Connect, string.Empty) { Headers = [Header("x-tenant", StringMatchKind.Exact, "a")] }, "tenant-a"),
            Route(new RouteMatchConfig(PathMatchKind.Connect, string.Empty), "tunnel"));
        var tagged = new InMemoryHttpRequest("CONNECT", "db.internal:5432", "db.internal:5432").WithHeader("x-tenant", "a");

        Assert.Equal("tenant-a", table.RouteName(tagged));
        Assert.Equal("tunnel", table.RouteName(new InMemoryHttpRequest("CONNECT", "db.internal:5432", "db.internal:5432")));
    }

    [Fact]
    public void FindRoute_PrefixCaseSensitive_DiffersByCase()
    {
        var table = Single(Prefix("/API", "api"));

        Assert.Null(table.RouteName(Get("/api/x")));
        Assert.Equal("api", table.RouteName(Get("/API/x")));
    }

    [Fact]
    public void FindRoute_PrefixCaseInsensitive_MatchesAnyCase()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Prefix, "/API") { CaseSensitive = false }, "api"));

        Assert.Equal("api", table.RouteName(Get("/api/x")));
    }

    [Fact]
    public void FindRoute_ExactPath_IgnoresQueryAndRejectsLonger()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Path, "/health"), "health"));

        Assert.Equal("health", table.RouteName(Get("/health?verbose=1")));
        Assert.Null(table.RouteName(Get("/health/x")));
        Assert.Null(table.RouteName(Get("/HEALTH")));
    }

    [Fact]
    public void FindRoute_ExactPathCaseInsensitive_Matches()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Path, "/health") { CaseSensitive = false }, "health"));

        Assert.Equal("health", table.RouteName(Get("/HEALTH")));
    }

    [Theory]
    [InlineData("/api", true)]
    [InlineData("/api/", true)]
    [InlineData("/api/x", true)]
    [InlineData("/api?x=1", true)]
    [InlineData("/apix", false)]
    [InlineData("/ap", false)]
    public void FindRoute_PathSeparatedPrefix_MatchesWholeSegments(string path, bool matches)
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.PathSeparatedPrefix, "/api"), "api"));

        Assert.Equal(matches, table.RouteName(Get(path)) == "api");
    }

    [Fact]
    public void FindRoute_Regex_MatchesWholePathWithoutQuery()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Regex, string.Empty) { PathRegex = Anchored("/users/[0-9]+") }, "users"));

        Assert.Equal("users", table.RouteName(Get("/users/42?expand=true")));
        Assert.Null(table.RouteName(Get("/users/42/orders")));
        Assert.Null(table.RouteName(Get("/users/abc")));
    }

    [Fact]
    public void FindRoute_RegexWithLongPath_UsesPooledBuffer()
    {
        var table = Single(Route(new RouteMatchConfig(PathMatchKind.Regex, string.Empty) { PathRegex = Anchored("/a+") }, "long"));

        Assert.Equal("long", table.RouteName(Get("/" + new string('a', 5000))));
    }

    [Theory]
    [InlineData(StringMatchKind.Exact, "v2", "v2", true)]
    [InlineData(StringMatchKind.Exact, "v2", "v20", false)]
    [InlineData(StringMatchKind.Prefix, "v2", "v2-beta", true)]
    [InlineData(StringMatchKind.Prefix, "v2", "xv2", false)]
    [InlineData(StringMatchKind.Suffix, "beta", "v2-beta", true)]
    [InlineData(StringMatchKind.Suffix, "beta", "beta-v2", false)]
    [InlineData(StringMatchKind.Contains, "-be", "v2-beta", true)]
    [InlineData(StringMatchKind.Contains, "-be", "v2beta", false)]
    [InlineData(StringMatchKind.Regex, "v[0-9]+", "v12", true)]
    [InlineData(StringMatchKind.Regex, "v[0-9]+", "v12x", false)]
    public void FindRoute_HeaderStringMatch_ComparesValue(StringMatchKind kind, string expected, string actual, bool matches)
    {
        var table = Single(Route(PrefixMatch("/", Header("x-version", kind, expected)), "hit"));

        Assert.Equal(matches, table.RouteName(Get("/").WithHeader("x-version", actual)) == "hit");
    }

    [Theory]
    [InlineData(StringMatchKind.Exact, "Beta", "bETA")]
    [InlineData(StringMatchKind.Prefix, "Be", "bETA")]
    [InlineData(StringMatchKind.Suffix, "TA", "bEta")]
    [InlineData(StringMatchKind.Contains, "ET", "xbetax")]
    public void FindRoute_HeaderStringMatchIgnoreCase_MatchesAnyCase(StringMatchKind kind, string expected, string actual)
    {
        var table = Single(Route(PrefixMatch("/", Header("x-track", kind, expected, ignoreCase: true)), "hit"));

        Assert.Equal("hit", table.RouteName(Get("/").WithHeader("x-track", actual)));
    }

    [Fact]
    public void FindRoute_HeaderAbsent_StringMatcherFails()
    {
        var table = Single(Route(PrefixMatch("/", Header("x-version", StringMatchKind.Prefix, "v")), "hit"));

        Assert.Null(table.RouteName(Get("/")));
    }

    [Fact]
    public void FindRoute_RepeatedHeader_MatchesValuesJoinedWithComma()
    {
        var table = Single(Route(PrefixMatch("/", Header("x-tag", StringMatchKind.Exact, "a,b")), "hit"));

        Assert.Equal("hit", table.RouteName(Get("/").WithHeader("x-tag", "a").WithHeader("x-tag", "b")));
        Assert.Null(table.RouteName(Get("/").WithHeader("x-tag", "a")));
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    public void FindRoute_PresentMatch_ChecksPresenceOrAbsence(bool presentMatch, bool present, bool matches)
    {
        var table = Single(Route(PrefixMatch("/", new HeaderMatcherConfig("x-debug", HeaderMatchKind.Present) { PresentMatch = presentMatch }), "hit"));
        var request = present ? Get("/").WithHeader("x-debug", "1") : Get("/");

        Assert.Equal(matches, table.RouteName(request) == "hit");
    }

    [Theory]
    [InlineData("5", true)]
    [InlineData("-10", true)]
    [InlineData("10", false)]
    [InlineData("-11", false)]
    [InlineData("abc", false)]
    [InlineData(" 7 ", true)]
    public void FindRoute_RangeMatch_IsHalfOpenIntegerRange(string value, bool matches)
    {
        var table = Single(Route(PrefixMatch("/", new HeaderMatcherConfig("x-n", HeaderMatchKind.Range) { RangeStart = -10, RangeEnd = 10 }), "hit"));

        Assert.Equal(matches, table.RouteName(Get("/").WithHeader("x-n", value)) == "hit");
    }

    [Fact]
    public void FindRoute_InvertedStringMatch_MatchesOtherValuesButNotAbsentHeader()
    {
        var matcher = Header("x-env", StringMatchKind.Exact, "prod") with { Invert = true };
        var table = Single(Route(PrefixMatch("/", matcher), "hit"));

        Assert.Equal("hit", table.RouteName(Get("/").WithHeader("x-env", "staging")));
        Assert.Null(table.RouteName(Get("/").WithHeader("x-env", "prod")));

        // Envoy's HeaderUtility::matchHeaders: an absent header fails every matcher except present_match, inverted or not.
        Assert.Null(table.RouteName(Get("/")));
    }

    [Fact]
    public void FindRoute_InvertedRangeMatch_MatchesOutOfRangeButNotAbsentHeader()
    {
        // HeaderMatcherConfig.Invert: inverting never lets an absent header through a value or range matcher.
        var table = Single(Route(PrefixMatch("/", new HeaderMatcherConfig("x-n", HeaderMatchKind.Range) { RangeStart = 0, RangeEnd = 10, Invert = true }), "hit"));

        Assert.Equal("hit", table.RouteName(Get("/").WithHeader("x-n", "42")));
        Assert.Null(table.RouteName(Get("/").WithHeader("x-n", "5")));
        Assert.Null(table.RouteName(Get("/")));
    }

    [Fact]
    public void FindRoute_InvertedPresentMatch_MatchesAbsentHeader()
    {
        var table = Single(Route(PrefixMatch("/", new HeaderMatcherConfig("x-debug", HeaderMatchKind.Present) { Invert = true }), "hit"));

        Assert.Equal("hit", table.RouteName(Get("/")));
        Assert.Null(table.RouteName(Get("/").WithHeader("x-debug", "1")));
    }

    [Fact]
    public void FindRoute_TreatMissingHeaderAsEmpty_ComparesAbsentAsEmpty()
    {
        var exactEmpty = Header("x-a", StringMatchKind.Exact, string.Empty) with { TreatMissingHeaderAsEmpty = true };
        var invertedRange = new HeaderMatcherConfig("x-n", HeaderMatchKind.Range) { RangeStart = 0, RangeEnd = 10, Invert = true, TreatMissingHeaderAsEmpty = true };
        var table = Single(Route(PrefixMatch("/", exactEmpty, invertedRange), "hit"));

        Assert.Equal("hit", table.RouteName(Get("/")));
        Assert.Null(table.RouteName(Get("/").WithHeader("x-n", "5")));
    }

    [Theory]
    [InlineData(":method", "POST", true)]
    [InlineData(":method", "GET", false)]
    [InlineData(":authority", "example.com", true)]
    [InlineData("host", "example.com", true)]
    [InlineData(":path", "/p?q=1", true)]
    [InlineData(":scheme", "http", true)]
    public void FindRoute_PseudoHeaderMatcher_ReadsRequestProperties(string name, string value, bool matches)
    {
        var table = Single(Route(PrefixMatch("/", Header(name, StringMatchKind.Exact, value)), "hit"));
        var request = Get("/p?q=1");
        request.SetMethod("POST");

        Assert.Equal(matches, table.RouteName(request) == "hit");
    }

    [Theory]
    [InlineData("/p?a=1&version=v2", true)]
    [InlineData("/p?version=v2#frag", true)]
    [InlineData("/p?version=v1", false)]
    [InlineData("/p?version=v1&version=v2", false)]
    [InlineData("/p?ver%73ion=%762", true)]
    [InlineData("/p", false)]
    public void FindRoute_QueryParameterExact_FirstDecodedValueCompared(string path, bool matches)
    {
        var match = new RouteMatchConfig(PathMatchKind.Prefix, "/") { QueryParameters = [new QueryParameterMatcherConfig("version", new StringMatcherConfig(StringMatchKind.Exact, "v2"))] };
        var table = Single(Route(match, "hit"));

        Assert.Equal(matches, table.RouteName(Get(path)) == "hit");
    }

    [Theory]
    [InlineData("/p?debug", true)]
    [InlineData("/p?debug=", true)]
    [InlineData("/p?x=debug", false)]
    public void FindRoute_QueryParameterPresent_MatchesNameOnly(string path, bool matches)
    {
        var match = new RouteMatchConfig(PathMatchKind.Prefix, "/") { QueryParameters = [new QueryParameterMatcherConfig("debug", null)] };
        var table = Single(Route(match, "hit"));

        Assert.Equal(matches, table.RouteName(Get(path)) == "hit");
    }

    [Fact]
    public void FindRoute_QueryParameterStringMatch_UsesMatcher()
    {
        var match = new RouteMatchConfig(PathMatchKind.Prefix, "/")
        {
            QueryParameters = [new QueryParameterMatcherConfig("user", new StringMatcherConfig(StringMatchKind.Prefix, "ADMIN") { IgnoreCase = true })],
        };
        var table = Single(Route(match, "hit"));

        Assert.Equal("hit", table.RouteName(Get("/?user=admin-1")));
        Assert.Null(table.RouteName(Get("/?user=guest")));
    }

    [Fact]
    public void FindRoute_PathHeadersAndQuery_AllMustHold()
    {
        var match = new RouteMatchConfig(PathMatchKind.Prefix, "/api")
        {
            Headers = [Header("x-user", StringMatchKind.Exact, "jason"), new HeaderMatcherConfig("x-debug", HeaderMatchKind.Present) { PresentMatch = false }],
            QueryParameters = [new QueryParameterMatcherConfig("v", new StringMatcherConfig(StringMatchKind.Exact, "2"))],
        };
        var table = Single(Route(match, "hit"), Prefix("/", "fallback"));

        Assert.Equal("hit", table.RouteName(Get("/api/x?v=2").WithHeader("x-user", "jason")));
        Assert.Equal("fallback", table.RouteName(Get("/api/x?v=1").WithHeader("x-user", "jason")));
        Assert.Equal("fallback", table.RouteName(Get("/api/x?v=2").WithHeader("x-user", "jason").WithHeader("x-debug", "1")));
        Assert.Equal("fallback", table.RouteName(Get("/web?v=2").WithHeader("x-user", "jason")));
    }
}
