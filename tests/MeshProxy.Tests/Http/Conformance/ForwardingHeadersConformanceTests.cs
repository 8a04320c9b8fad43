using System.Net;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>Headers the connection manager owns: x-request-id, x-forwarded-for/-proto at the edge, server.</summary>
public sealed class ForwardingHeadersConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Routes = """
        virtual_hosts:
        - name: forwarding
          domains: ["*"]
          routes:
          - match: { prefix: "/local" }
            direct_response: { status: 200, body: { inline_string: "answered by the proxy" } }
          - match: { prefix: "/" }
            route: { cluster: a }
        """;

    [Fact(Timeout = 20_000)]
    public async Task RequestId_Absent_GeneratedAsUuid()
    {
        await using var rig = await StartAsync();
        var first = (await rig.GetEchoAsync("/id")).Header("x-request-id");
        var second = (await rig.GetEchoAsync("/id")).Header("x-request-id");
        Assert.True(Guid.TryParse(first, out _), $"x-request-id '{first}' is not a UUID");
        Assert.True(Guid.TryParse(second, out _), $"x-request-id '{second}' is not a UUID");
        Assert.NotEqual(first, second);
    }

    [Fact(Timeout = 20_000)]
    public async Task RequestId_Present_KeptAsSent()
    {
        await using var rig = await StartAsync();
        var echo = await rig.GetEchoAsync("/id", null, ("x-request-id", "client-chosen-id-42"));
        Assert.Equal("client-chosen-id-42", echo.Header("x-request-id"));
    }

    [Fact(Timeout = 20_000)]
    public async Task UseRemoteAddress_NoForwardedFor_SetsClientAddressAndProto()
    {
        await using var rig = await StartAsync("use_remote_address: true");
        var echo = await rig.GetEchoAsync("/xff");
        Assert.Equal("127.0.0.1", echo.Header("x-forwarded-for"));
        Assert.Equal("http", echo.Header("x-forwarded-proto"));
    }

    [Fact(Timeout = 20_000)]
    public async Task UseRemoteAddress_ExistingForwardedFor_AppendsClientAddressAndOverwritesProto()
    {
        await using var rig = await StartAsync("use_remote_address: true");
        var echo = await rig.GetEchoAsync("/xff", null, ("x-forwarded-for", "203.0.113.9"), ("x-forwarded-proto", "https"));
        var hops = echo.Header("x-forwarded-for")!.Split(',').Select(h => h.Trim()).ToArray();
        Assert.Equal(["203.0.113.9", "127.0.0.1"], hops);

        // At the edge the proxy knows the scheme the client used; a client's claim is not trusted.
        Assert.Equal("http", echo.Header("x-forwarded-proto"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Server_Default_ReplacesUpstreamServerHeaderWithMeshproxy()
    {
        await using var rig = await StartAsync();
        using var response = await rig.GetAsync("/server");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("meshproxy", HttpProxyRig.Header(response, "server"));
    }

    [Fact(Timeout = 20_000)]
    public async Task Server_ServerNameConfigured_SentOnProxiedAndLocalReplies()
    {
        await using var rig = await StartAsync("server_name: conformance-edge");
        using var proxied = await rig.GetAsync("/server");
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.Equal("conformance-edge", HttpProxyRig.Header(proxied, "server"));

        using var local = await rig.GetAsync("/local");
        Assert.Equal("answered by the proxy", await local.Content.ReadAsStringAsync());
        Assert.Equal("conformance-edge", HttpProxyRig.Header(local, "server"));
    }

    private Task<HttpProxyRig> StartAsync(string hcm = "") => HttpProxyRig.StartAsync(Routes, upstreams.Clusters, hcm);
}
