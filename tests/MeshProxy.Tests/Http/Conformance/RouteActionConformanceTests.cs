using System.Net;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>Route actions through the proxy to real upstreams: cluster choice, rewrites, header mutations, local answers.</summary>
public sealed class RouteActionConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Routes = """
        virtual_hosts:
        - name: actions
          domains: ["*"]
          request_headers_to_add:
          - header: { key: x-vhost-added, value: "vhost" }
          routes:
          - match: { prefix: "/to-b" }
            route: { cluster: b }
          - match: { prefix: "/split" }
            route:
              weighted_clusters:
                clusters:
                - { name: a, weight: 70 }
                - { name: b, weight: 20 }
                - { name: c, weight: 10 }
          - match: { prefix: "/by-header" }
            route: { cluster_header: x-target-cluster }
          - match: { prefix: "/old/" }
            route: { cluster: a, prefix_rewrite: "/new/" }
          - match: { prefix: "/svc/" }
            route:
              cluster: a
              regex_rewrite:
                pattern: { regex: "^/svc/([^/]+)/(.*)$" }
                substitution: '/\2/\1'
          - match: { prefix: "/host" }
            route: { cluster: a, host_rewrite_literal: "rewritten.example" }
          - match: { prefix: "/mutate" }
            route: { cluster: a }
            request_headers_to_add:
            - header: { key: x-client, value: "%DOWNSTREAM_REMOTE_ADDRESS%" }
            - header: { key: x-literal, value: "added" }
            request_headers_to_remove: ["x-secret"]
            response_headers_to_add:
            - header: { key: x-served-by, value: "meshproxy-route" }
            response_headers_to_remove: ["x-upstream"]
          - match: { prefix: "/teapot" }
            direct_response: { status: 418, body: { inline_string: "short and stout" } }
          - match: { prefix: "/secure" }
            redirect: { https_redirect: true }
          - match: { prefix: "/moved" }
            redirect: { path_redirect: "/new-home", response_code: FOUND }
          - match: { prefix: "/" }
            route: { cluster: a }
        """;

    [Fact(Timeout = 20_000)]
    public async Task Cluster_NamedCluster_ReachesItsUpstream()
    {
        await using var rig = await StartAsync();
        Assert.Equal("b", (await rig.GetEchoAsync("/to-b/x")).Upstream);
        Assert.Equal("a", (await rig.GetEchoAsync("/other")).Upstream);
    }

    [Fact(Timeout = 40_000)]
    public async Task WeightedClusters_1000Requests_SplitWithinTolerance()
    {
        const int Requests = 1000;
        await using var rig = await StartAsync();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["a"] = 0, ["b"] = 0, ["c"] = 0 };
        var gate = new object();
        await Parallel.ForAsync(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            var echo = await rig.GetEchoAsync("/split");
            lock (gate)
            {
                counts[echo.Upstream]++;
            }
        });

        // Binomial standard deviations at n=1000: 14.5 (70%), 12.6 (20%), 9.5 (10%); allow about 4.5 of them.
        Assert.InRange(counts["a"], 635, 765);
        Assert.InRange(counts["b"], 145, 255);
        Assert.InRange(counts["c"], 58, 142);
    }

    [Fact(Timeout = 20_000)]
    public async Task ClusterHeader_NamesCluster_ReachesIt()
    {
        await using var rig = await StartAsync();
        Assert.Equal("c", (await rig.GetEchoAsync("/by-header", null, ("x-target-cluster", "c"))).Upstream);
        Assert.Equal("b", (await rig.GetEchoAsync("/by-header", null, ("x-target-cluster", "b"))).Upstream);
    }

    [Fact(Timeout = 20_000)]
    public async Task ClusterHeader_UnknownCluster_Answers503()
    {
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/by-header", null, ("x-target-cluster", "nope"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact(Timeout = 20_000)]
    public async Task ClusterHeader_HeaderMissing_Answers503()
    {
        // Envoy: a missing cluster_header names the empty cluster, which is not found: 503 (cluster_not_found_response_code).
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/by-header");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact(Timeout = 20_000)]
    public async Task PrefixRewrite_MatchedPrefix_ReplacedAndQueryKept()
    {
        await using var rig = await StartAsync();
        Assert.Equal("/new/thing?q=1", (await rig.GetEchoAsync("/old/thing?q=1")).Target);
    }

    [Fact(Timeout = 20_000)]
    public async Task RegexRewrite_CaptureGroups_SubstitutedAndQueryKept()
    {
        await using var rig = await StartAsync();
        Assert.Equal("/list/users?x=1", (await rig.GetEchoAsync("/svc/users/list?x=1")).Target);
    }

    [Fact(Timeout = 20_000)]
    public async Task HostRewriteLiteral_UpstreamSeesNewHost()
    {
        await using var rig = await StartAsync();
        var echo = await rig.GetEchoAsync("/host", "original.example");
        Assert.Equal("rewritten.example", echo.Header("host"));
    }

    [Fact(Timeout = 20_000)]
    public async Task RequestHeaders_AddAndRemove_UpstreamSeesMutations()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("GET /mutate HTTP/1.1\r\nHost: mutate.test\r\nx-secret: hunter2\r\nx-keep: yes\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        var echo = UpstreamEcho.Parse(response.BodyText);
        Assert.Equal($"127.0.0.1:{raw.LocalEndPoint.Port}", echo.Header("x-client"));
        Assert.Equal("added", echo.Header("x-literal"));
        Assert.Equal("vhost", echo.Header("x-vhost-added"));
        Assert.Null(echo.Header("x-secret"));
        Assert.Equal("yes", echo.Header("x-keep"));
    }

    [Fact(Timeout = 20_000)]
    public async Task ResponseHeaders_AddAndRemove_ClientSeesMutations()
    {
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/mutate");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("meshproxy-route", HttpProxyRig.Header(response, "x-served-by"));
        Assert.Null(HttpProxyRig.Header(response, "x-upstream"));
    }

    [Fact(Timeout = 20_000)]
    public async Task DirectResponse_StatusAndBody_AnsweredWithoutUpstream()
    {
        await using var rig = await StartAsync();
        var before = upstreams.A.RequestCount + upstreams.B.RequestCount + upstreams.C.RequestCount;
        using var response = await rig.GetAsync("/teapot");
        Assert.Equal(418, (int)response.StatusCode);
        Assert.Equal("short and stout", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, upstreams.A.RequestCount + upstreams.B.RequestCount + upstreams.C.RequestCount);
    }

    [Fact(Timeout = 20_000)]
    public async Task Redirect_HttpsRedirect_Answers301ToHttpsSameHostAndPath()
    {
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/secure/page", "shop.example");
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("https://shop.example/secure/page", response.Headers.Location?.ToString());
    }

    [Fact(Timeout = 20_000)]
    public async Task Redirect_PathRedirectWithResponseCode_Answers302ToNewPath()
    {
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/moved", "shop.example");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("http://shop.example/new-home", response.Headers.Location?.ToString());
    }

    private Task<HttpProxyRig> StartAsync() => HttpProxyRig.StartAsync(Routes, upstreams.Clusters);
}
