using Envoy.Config.Cluster.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using static MeshProxy.Tests.Support.FakeControlPlane;

namespace MeshProxy.Tests.Xds.Client;

public sealed class AdsClientTransportTests
{
    [Fact]
    public async Task StartAsync_UnixSocketTarget_SpeaksH2cOverTheSocket()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mp-xds-{Guid.NewGuid():N}.sock");
        await using var h = await AdsHarness.StartAsync(
            XdsApiType.StateOfTheWorld,
            controlPlaneOptions: new FakeControlPlaneOptions { UnixSocketPath = path },
            target: _ => XdsServerTarget.Parse($"unix:{path}"));

        await AssertServesClustersAsync(h);
    }

    [Fact]
    public async Task StartAsync_TlsTargetWithCaFileAndClientCertificate_Connects()
    {
        using var certificates = new TestCertificates();
        using var serverCertificate = certificates.IssueServer();
        var (clientCertificate, clientKey) = certificates.IssueClientPem("sidecar");
        await using var h = await AdsHarness.StartAsync(
            XdsApiType.Delta,
            controlPlaneOptions: new FakeControlPlaneOptions { ServerCertificate = serverCertificate, RequireClientCertificate = true },
            target: cp => XdsServerTarget.Parse(cp.Target, certificates.CaPath, clientCertificate, clientKey));

        var request = await h.ControlPlane.NextDeltaRequestAsync();

        Assert.Equal(XdsTypeUrls.Cluster, request.TypeUrl);
        Assert.Equal("CN=sidecar", h.ControlPlane.LastClientCertificate?.Subject);
    }

    [Fact]
    public async Task StartAsync_TlsServerFromAnotherCa_NeverConnects()
    {
        using var trusted = new TestCertificates("Trusted CA");
        using var other = new TestCertificates("Other CA");
        using var serverCertificate = other.IssueServer();
        await using var h = await AdsHarness.StartAsync(
            XdsApiType.StateOfTheWorld,
            controlPlaneOptions: new FakeControlPlaneOptions { ServerCertificate = serverCertificate },
            target: cp => XdsServerTarget.Parse(cp.Target, trusted.CaPath));

        await h.ControlPlane.AssertNoRequestAsync(TimeSpan.FromMilliseconds(500));

        Assert.False(h.Client.Status.Connected);
        Assert.Contains(h.Log.Events, e => e.RenderMessage().Contains("reconnecting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Response_TenMebibytes_AcceptedUnderDefaultLimit()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        await h.ControlPlane.NextSotwRequestAsync();
        var response = LargeClusterResponse(clusters: 105, bytesEach: 100 * 1024);
        Assert.True(response.CalculateSize() > 10 * 1024 * 1024);

        await h.ControlPlane.SendAsync(response);

        var call = await h.Handler.NextCallAsync();
        Assert.Equal(105, call.Resources.Count);
        var ack = await h.ControlPlane.NextSotwRequestAsync();
        Assert.Equal("big", ack.VersionInfo);
        Assert.Null(ack.ErrorDetail);
    }

    [Fact]
    public async Task Response_AboveConfiguredLimit_EndsStreamAndReconnects()
    {
        await using var h = await AdsHarness.StartAsync(
            XdsApiType.StateOfTheWorld, options => options with { MaxReceiveMessageBytes = 1024 * 1024 });
        await h.ControlPlane.NextSotwRequestAsync();

        await h.ControlPlane.SendAsync(LargeClusterResponse(clusters: 20, bytesEach: 100 * 1024));

        var again = await h.ControlPlane.NextRequestAsync();
        Assert.Equal(2, again.StreamId);
        Assert.Equal(XdsTypeUrls.Cluster, again.Sotw!.TypeUrl);
        Assert.NotNull(again.Sotw.Node);
        Assert.Empty(h.Handler.All);
        Assert.Contains(h.Log.Events, e => e.Level == Serilog.Events.LogEventLevel.Warning && e.RenderMessage().Contains("ResourceExhausted", StringComparison.Ordinal));
    }

    private static async Task AssertServesClustersAsync(AdsHarness h)
    {
        var request = await h.ControlPlane.NextSotwRequestAsync();
        Assert.Equal(XdsTypeUrls.Cluster, request.TypeUrl);
        await h.ControlPlane.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));
        var ack = await h.ControlPlane.NextSotwRequestAsync();
        Assert.Equal("c1", ack.VersionInfo);
        Assert.True(h.Client.Status.Connected);
    }

    private static DiscoveryResponse LargeClusterResponse(int clusters, int bytesEach)
    {
        var padding = new string('x', bytesEach);
        return SotwResponse(XdsTypeUrls.Cluster, "big", "n1", Enumerable.Range(0, clusters)
            .Select(i => (IMessage)new Cluster { Name = $"outbound|80||svc{i}.default.svc.cluster.local", AltStatName = padding })
            .ToArray());
    }
}
