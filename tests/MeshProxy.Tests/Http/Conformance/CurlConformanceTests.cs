namespace MeshProxy.Tests.Http.Conformance;

/// <summary>curl, an independent HTTP/1.1 client, through the proxy (.ci/run installs it when missing).</summary>
public sealed class CurlConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Routes = """
        virtual_hosts:
        - name: curl
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route: { cluster: b }
        """;

    [Fact(Timeout = 20_000)]
    public async Task Curl_Get_ReachesUpstream()
    {
        await using var rig = await StartAsync();
        var (exit, output) = await Curl.RunAsync(["-sS", "-i", $"{rig.BaseUri}curl/get?x=1"]);
        Assert.True(exit == 0, output);
        Assert.StartsWith("HTTP/1.1 200", output, StringComparison.Ordinal);
        var echo = UpstreamEcho.Parse(Body(output));
        Assert.Equal("b", echo.Upstream);
        Assert.Equal("/curl/get?x=1", echo.Target);
        Assert.StartsWith("curl/", echo.Header("user-agent"), StringComparison.Ordinal);
    }

    [Fact(Timeout = 20_000)]
    public async Task Curl_PostWithBody_UpstreamReadsWholeBody()
    {
        await using var rig = await StartAsync();
        var (exit, output) = await Curl.RunAsync(["-sS", "--data-binary", "@-", $"{rig.BaseUri}echo"], stdin: "posted by curl\n");
        Assert.True(exit == 0, output);
        Assert.Equal("posted by curl\n", output);
    }

    [Fact(Timeout = 20_000)]
    public async Task Curl_Http10_Answered()
    {
        await using var rig = await StartAsync();
        var (exit, output) = await Curl.RunAsync(["-sS", "-i", "--http1.0", $"{rig.BaseUri}curl/old"]);
        Assert.True(exit == 0, output);
        Assert.Matches("^HTTP/1\\.[01] 200", output);
        Assert.Equal("/curl/old", UpstreamEcho.Parse(Body(output)).Target);
    }

    private Task<HttpProxyRig> StartAsync() => HttpProxyRig.StartAsync(Routes, upstreams.Clusters);

    internal static string Body(string output) => output[(output.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
}
