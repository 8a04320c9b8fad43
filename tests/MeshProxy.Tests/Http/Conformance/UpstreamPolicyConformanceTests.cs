using System.Diagnostics;
using System.Net;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>Route timeouts, retry policies and hash-policy stickiness, against upstreams that stall, fail or are gone.</summary>
public sealed class UpstreamPolicyConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Routes = """
        virtual_hosts:
        - name: policies
          domains: ["*"]
          routes:
          - match: { prefix: "/timeout/" }
            route: { cluster: a, timeout: 0.3s, prefix_rewrite: "/" }
          - match: { prefix: "/retry5xx/" }
            route:
              cluster: a
              prefix_rewrite: "/"
              retry_policy: { retry_on: "5xx", num_retries: 2 }
          - match: { prefix: "/per-try/" }
            route:
              cluster: a
              prefix_rewrite: "/"
              timeout: 5s
              retry_policy: { retry_on: "5xx", num_retries: 1, per_try_timeout: 0.3s }
          - match: { prefix: "/per-try-back-off/" }
            route:
              cluster: a
              prefix_rewrite: "/"
              timeout: 5s
              retry_policy:
                retry_on: "5xx"
                num_retries: 1
                per_try_timeout: 0.3s
                retry_back_off: { base_interval: 0.4s, max_interval: 0.4s }
          - match: { prefix: "/connect/" }
            route:
              cluster: half_dead
              prefix_rewrite: "/"
              retry_policy: { retry_on: "connect-failure", num_retries: 3 }
          - match: { prefix: "/sticky/" }
            route:
              cluster: hashed
              prefix_rewrite: "/"
              hash_policy: [{ header: { header_name: x-user } }]
        """;

    [Fact(Timeout = 20_000)]
    public async Task Timeout_SlowUpstream_Answers504WithinTheRouteTimeout()
    {
        await using var rig = await StartAsync();
        var watch = Stopwatch.StartNew();
        using var response = await rig.GetAsync("/timeout/slow/5000");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
    }

    [Fact(Timeout = 20_000)]
    public async Task RetryPolicy_5xxTwiceThenOk_RetriedToSuccess()
    {
        await using var rig = await StartAsync();
        var key = Guid.NewGuid().ToString("N");
        var echo = await rig.GetEchoAsync($"/retry5xx/flaky/{key}?fail=2&code=503");
        Assert.Equal("a", echo.Upstream);
        Assert.Equal(3, upstreams.A.Attempts(key));
    }

    [Fact(Timeout = 20_000)]
    public async Task RetryPolicy_NumRetriesExhausted_AnswersTheLastUpstreamStatus()
    {
        await using var rig = await StartAsync();
        var key = Guid.NewGuid().ToString("N");
        using var response = await rig.GetAsync($"/retry5xx/flaky/{key}?fail=10&code=502");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal($"attempt 3 of {key} fails\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, upstreams.A.Attempts(key));
    }

    [Fact(Timeout = 20_000)]
    public async Task RetryPolicy_PerTryTimeout_SecondTryAnswers()
    {
        await using var rig = await StartAsync();
        var key = Guid.NewGuid().ToString("N");
        var watch = Stopwatch.StartNew();
        using var response = await rig.GetAsync($"/per-try/flaky/{key}?fail=1&sleep=4000");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode == HttpStatusCode.OK,
            $"{(int)response.StatusCode} after {watch.ElapsedMilliseconds} ms and {upstreams.A.Attempts(key)} upstream attempts: {body}");
        var echo = UpstreamEcho.Parse(body);
        Assert.Equal("a", echo.Upstream);
        Assert.Equal(2, upstreams.A.Attempts(key));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"the per-try timeout should cut the first try; took {watch.Elapsed}");
    }

    [Fact(Timeout = 20_000)]
    public async Task RetryPolicy_PerTryTimeoutThenBackOff_SecondTryStillAnswers()
    {
        // The first try's expired deadline must not end the request while the retry waits out its back-off.
        await using var rig = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            var key = Guid.NewGuid().ToString("N");
            var watch = Stopwatch.StartNew();
            var cx = upstreams.A.ConnectionCount;
            using var response = await rig.GetAsync($"/per-try-back-off/flaky/{key}?fail=1&sleep=4000");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // For whoever debugs a failure: did the retry ever reach the upstream (late, queued behind the timed-out
                // try on a reused connection?) and on how many connections.
                var attempts = upstreams.A.Attempts(key);
                var opened = upstreams.A.ConnectionCount - cx;
                await Task.Delay(4500);
                body += $" [at the answer: {attempts} attempts, {opened} upstream connections opened; 4.5 s later: " +
                    $"{upstreams.A.Attempts(key)} attempts, {upstreams.A.ConnectionCount - cx} connections]";
            }
            Assert.True(
                response.StatusCode == HttpStatusCode.OK,
                $"try {i}: {(int)response.StatusCode} after {watch.ElapsedMilliseconds} ms and {upstreams.A.Attempts(key)} upstream attempts: {body}");
            Assert.Equal(2, upstreams.A.Attempts(key));
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task RetryPolicy_ConnectFailureToDeadHost_RetriedOnLiveHost()
    {
        await using var rig = await StartAsync();

        // Round robin over a dead and a live host: without retries about half of these would fail.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("b", (await rig.GetEchoAsync($"/connect/n{i}")).Upstream);
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task HashPolicy_SameHeader_SameUpstream()
    {
        await using var rig = await StartAsync();
        var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var user = 0; user < 12; user++)
        {
            var id = $"user-{user}";
            var answered = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < 5; i++)
            {
                answered.Add((await rig.GetEchoAsync("/sticky/", null, ("x-user", id))).Upstream);
            }

            Assert.True(answered.Count == 1, $"{id} was served by {string.Join(", ", answered)}");
            chosen[id] = answered.Single();
        }

        // Twelve keys all landing on one of three hosts would mean the header is not what is hashed.
        Assert.True(chosen.Values.Distinct().Count() > 1, "every user went to " + chosen.Values.First());
    }

    private Task<HttpProxyRig> StartAsync() => HttpProxyRig.StartAsync(
        Routes,
        [
            .. upstreams.Clusters,
            ProxyYaml.Cluster("half_dead", [ProxyConfigs.RefusingLoopbackEndPoint(), upstreams.B.EndPoint]),
            ProxyYaml.Cluster("hashed", [upstreams.A.EndPoint, upstreams.B.EndPoint, upstreams.C.EndPoint], "lb_policy: RING_HASH"),
        ]);
}
