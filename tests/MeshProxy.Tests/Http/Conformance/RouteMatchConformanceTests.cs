using System.Net;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// Envoy's route match kinds and virtual host selection, observed through the proxy: each route sends to its own
/// cluster, and every cluster is a different port of one Kestrel upstream, so the port that answered names the route.
/// </summary>
public sealed class RouteMatchConformanceTests : IAsyncLifetime
{
    private static readonly string[] RouteNames =
    [
        "path", "sep", "regex", "h_exact", "h_prefix", "h_suffix", "h_contains", "h_regex", "h_present", "h_invert",
        "q_exact", "q_present", "caseless", "prefix", "v_exact", "v_suffix", "v_prefix",
    ];

    private const string Routes = """
        virtual_hosts:
        - name: exact_host
          domains: ["api.example.com"]
          routes: [{ match: { prefix: "/" }, route: { cluster: v_exact } }]
        - name: suffix_host
          domains: ["*.example.com"]
          routes: [{ match: { prefix: "/" }, route: { cluster: v_suffix } }]
        - name: prefix_host
          domains: ["api.*"]
          routes: [{ match: { prefix: "/" }, route: { cluster: v_prefix } }]
        - name: any_host
          domains: ["*"]
          routes:
          - match: { path: "/exact" }
            route: { cluster: path }
          - match: { path_separated_prefix: "/sep" }
            route: { cluster: sep }
          - match: { safe_regex: { regex: "/re/[0-9]+" } }
            route: { cluster: regex }
          - match: { prefix: "/h", headers: [{ name: x-exact, string_match: { exact: "v1" } }] }
            route: { cluster: h_exact }
          - match: { prefix: "/h", headers: [{ name: x-prefix, string_match: { prefix: "pre" } }] }
            route: { cluster: h_prefix }
          - match: { prefix: "/h", headers: [{ name: x-suffix, string_match: { suffix: "fix" } }] }
            route: { cluster: h_suffix }
          - match: { prefix: "/h", headers: [{ name: x-contains, string_match: { contains: "mid" } }] }
            route: { cluster: h_contains }
          - match: { prefix: "/h", headers: [{ name: x-regex, string_match: { safe_regex: { regex: "[a-c]+-[0-9]{2}" } } }] }
            route: { cluster: h_regex }
          - match: { prefix: "/h", headers: [{ name: x-present, present_match: true }] }
            route: { cluster: h_present }
          - match: { prefix: "/h", headers: [{ name: x-invert, string_match: { exact: "forbidden" }, invert_match: true }] }
            route: { cluster: h_invert }
          - match: { prefix: "/q", query_parameters: [{ name: debug, string_match: { exact: "1" } }] }
            route: { cluster: q_exact }
          - match: { prefix: "/q", query_parameters: [{ name: trace, present_match: true }] }
            route: { cluster: q_present }
          - match: { prefix: "/caseless", case_sensitive: false }
            route: { cluster: caseless }
          - match: { prefix: "/pre" }
            route: { cluster: prefix }
        """;

    private KestrelUpstream _upstream = null!;
    private HttpProxyRig _rig = null!;

    public async Task InitializeAsync()
    {
        _upstream = await KestrelUpstream.StartAsync("routes", RouteNames.Length);
        _rig = await HttpProxyRig.StartAsync(
            Routes,
            RouteNames.Select((name, i) => ProxyYaml.Cluster(name, _upstream.EndPoints[i])));
    }

    public async Task DisposeAsync()
    {
        await _rig.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact(Timeout = 20_000)]
    public Task Prefix_LongerPath_Matches() => AssertRoutedAsync("/pre/anything?x=1", "prefix");

    [Fact(Timeout = 20_000)]
    public Task Prefix_IsCaseSensitiveByDefault_NoRoute404() => AssertNoRouteAsync("/PRE/anything");

    [Fact(Timeout = 20_000)]
    public async Task Path_ExactPathWithQuery_MatchesButLongerPathDoesNot()
    {
        await AssertRoutedAsync("/exact?ignored=query", "path");
        await AssertNoRouteAsync("/exact/more");
    }

    [Fact(Timeout = 20_000)]
    public async Task PathSeparatedPrefix_SegmentBoundary_MatchesOnlyWholeSegments()
    {
        await AssertRoutedAsync("/sep", "sep");
        await AssertRoutedAsync("/sep/child", "sep");
        await AssertRoutedAsync("/sep?q=1", "sep");
        await AssertNoRouteAsync("/separate");
    }

    [Fact(Timeout = 20_000)]
    public async Task SafeRegex_WholePath_MustMatchEntirely()
    {
        await AssertRoutedAsync("/re/123", "regex");
        await AssertNoRouteAsync("/re/12a");
        await AssertNoRouteAsync("/re/123/more");
    }

    [Fact(Timeout = 20_000)]
    public async Task Headers_Exact_MatchesOnlyTheExactValue()
    {
        await AssertRoutedAsync("/h", "h_exact", headers: ("x-exact", "v1"));
        await AssertNoRouteAsync("/h", headers: ("x-exact", "v10"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Headers_Prefix_MatchesStartOfValue()
    {
        await AssertRoutedAsync("/h", "h_prefix", headers: ("x-prefix", "prefab"));
        await AssertNoRouteAsync("/h", headers: ("x-prefix", "apre"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Headers_Suffix_MatchesEndOfValue()
    {
        await AssertRoutedAsync("/h", "h_suffix", headers: ("x-suffix", "postfix"));
        await AssertNoRouteAsync("/h", headers: ("x-suffix", "fixed"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Headers_Contains_MatchesInsideValue()
    {
        await AssertRoutedAsync("/h", "h_contains", headers: ("x-contains", "amidst"));
        await AssertNoRouteAsync("/h", headers: ("x-contains", "m-i-d"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Headers_SafeRegex_MatchesWholeValue()
    {
        await AssertRoutedAsync("/h", "h_regex", headers: ("x-regex", "abc-42"));
        await AssertNoRouteAsync("/h", headers: ("x-regex", "abc-421"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Headers_Present_MatchesAnyValueIncludingEmpty()
    {
        await AssertRoutedAsync("/h", "h_present", headers: ("x-present", "whatever"));
        await AssertRoutedAsync("/h", "h_present", headers: ("x-present", ""));
    }

    [Fact(Timeout = 20_000)]
    public async Task Headers_Invert_MatchesWhenValueDiffers()
    {
        await AssertRoutedAsync("/h", "h_invert", headers: ("x-invert", "allowed"));
        await AssertNoRouteAsync("/h", headers: ("x-invert", "forbidden"));
    }

    [Fact(Timeout = 20_000)]
    public Task Headers_NoneOfTheConditions_NoRoute404() => AssertNoRouteAsync("/h");

    [Fact(Timeout = 20_000)]
    public async Task QueryParameters_Exact_MatchesOnlyThatValue()
    {
        await AssertRoutedAsync("/q?debug=1", "q_exact");
        await AssertRoutedAsync("/q?a=b&debug=1", "q_exact");
        await AssertNoRouteAsync("/q?debug=10");
    }

    [Fact(Timeout = 20_000)]
    public async Task QueryParameters_Present_MatchesWithOrWithoutValue()
    {
        await AssertRoutedAsync("/q?trace=yes", "q_present");
        await AssertRoutedAsync("/q?trace", "q_present");
        await AssertNoRouteAsync("/q?tracer=1");
    }

    [Fact(Timeout = 20_000)]
    public async Task CaseSensitiveFalse_AnyCase_Matches()
    {
        await AssertRoutedAsync("/CaseLess/x", "caseless");
        await AssertRoutedAsync("/CASELESS", "caseless");
    }

    [Fact(Timeout = 20_000)]
    public async Task VirtualHost_ExactDomain_WinsOverWildcards()
    {
        await AssertRoutedAsync("/", "v_exact", host: "api.example.com");
        await AssertRoutedAsync("/", "v_exact", host: "API.Example.COM");
    }

    [Fact(Timeout = 20_000)]
    public Task VirtualHost_SuffixWildcard_MatchesSubdomain() => AssertRoutedAsync("/", "v_suffix", host: "www.example.com");

    [Fact(Timeout = 20_000)]
    public Task VirtualHost_PrefixWildcard_MatchesWhenNoSuffixDoes() => AssertRoutedAsync("/", "v_prefix", host: "api.example.org");

    [Fact(Timeout = 20_000)]
    public Task VirtualHost_OtherAuthority_FallsToStar() => AssertRoutedAsync("/pre", "prefix", host: "other.test");

    private async Task AssertRoutedAsync(string target, string route, string? host = null, params (string, string)[] headers)
    {
        var echo = await _rig.GetEchoAsync(target, host, headers);
        var answered = RouteNames[_upstream.EndPoints.Select(e => e.Port).ToList().IndexOf(echo.Port)];
        Assert.Equal(route, answered);
        Assert.Equal(target, echo.Target);
    }

    private async Task AssertNoRouteAsync(string target, params (string, string)[] headers)
    {
        var before = _upstream.RequestCount;
        using var response = await _rig.GetAsync(target, null, headers);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(before, _upstream.RequestCount);
    }
}
