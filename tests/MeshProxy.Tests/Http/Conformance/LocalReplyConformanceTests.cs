using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>What the proxy answers itself when it cannot forward: no route, no host, no connection, overload, bad upstreams.</summary>
public sealed class LocalReplyConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Routes = """
        virtual_hosts:
        - name: local_replies
          domains: ["*"]
          routes:
          - match: { prefix: "/a/" }
            route: { cluster: a, prefix_rewrite: "/" }
          - match: { prefix: "/empty" }
            route: { cluster: empty }
          - match: { prefix: "/dead" }
            route: { cluster: dead }
          - match: { prefix: "/guarded/" }
            route: { cluster: guarded, prefix_rewrite: "/" }
          - match: { prefix: "/raw" }
            route: { cluster: raw }
        """;

    [Fact(Timeout = 20_000)]
    public async Task NoRoute_UnmatchedPath_Answers404WithoutUpstream()
    {
        await using var rig = await StartAsync();
        var before = upstreams.A.RequestCount;
        using var response = await rig.GetAsync("/nowhere");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(before, upstreams.A.RequestCount);
    }

    [Fact(Timeout = 20_000)]
    public async Task NoHealthyUpstream_EmptyCluster_Answers503()
    {
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/empty");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("no healthy upstream", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task ConnectFailure_DeadPort_Answers503()
    {
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/dead");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task CircuitBreaker_Overflow_Answers503WithOverloadedHeader()
    {
        await using var rig = await StartAsync();
        using var client = rig.CreateClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            using var response = await client.GetAsync($"/guarded/slow/1000?i={i}");
            return ((int)response.StatusCode, HttpProxyRig.Header(response, "x-envoy-overloaded"));
        }));

        Assert.Contains(responses, r => r.Item1 == 200);
        var overflowed = responses.Where(r => r.Item1 == 503).ToList();
        Assert.NotEmpty(overflowed);
        Assert.All(overflowed, r => Assert.Equal("true", r.Item2));
        Assert.Equal(12, responses.Count(r => r.Item1 is 200 or 503));
    }

    [Fact(Timeout = 20_000)]
    public async Task UpstreamReset_BeforeResponseHeaders_Answers502Or503()
    {
        await using var raw = new TestUpstream(async socket =>
        {
            await socket.ReadRequestHeadAsync();
            socket.ResetClose();
        });
        await using var rig = await StartAsync(raw.EndPoint);
        using var response = await rig.GetAsync("/raw");
        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"got {(int)response.StatusCode}");
    }

    [Fact(Timeout = 20_000)]
    public async Task UpstreamGarbage_UnparsableResponse_Answers502()
    {
        await using var raw = new TestUpstream(async socket =>
        {
            await socket.ReadRequestHeadAsync();
            await socket.SendAsync(Encoding.ASCII.GetBytes("SPDY/9 wat\r\n\r\n"), SocketFlags.None);
            await Task.Delay(500);
        });
        await using var rig = await StartAsync(raw.EndPoint);
        using var response = await rig.GetAsync("/raw");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact(Timeout = 20_000)]
    public async Task UpstreamClose_BeforeResponseHeaders_Answers502Or503()
    {
        await using var raw = new TestUpstream(async socket =>
        {
            await socket.ReadRequestHeadAsync();
            socket.Shutdown(SocketShutdown.Both);
        });
        await using var rig = await StartAsync(raw.EndPoint);
        using var response = await rig.GetAsync("/raw");
        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"got {(int)response.StatusCode}");
    }

    private Task<HttpProxyRig> StartAsync(IPEndPoint? raw = null) => HttpProxyRig.StartAsync(
        Routes,
        [
            .. upstreams.Clusters,
            ProxyYaml.Cluster("empty", []),
            ProxyYaml.Cluster("dead", ProxyConfigs.RefusingLoopbackEndPoint()),
            ProxyYaml.Cluster("raw", raw ?? ProxyConfigs.RefusingLoopbackEndPoint()),
            ProxyYaml.Cluster("guarded", [upstreams.A.EndPoint], """
                circuit_breakers:
                  thresholds:
                  - { max_connections: 1, max_pending_requests: 1, max_requests: 1 }
                """),
        ]);
}
