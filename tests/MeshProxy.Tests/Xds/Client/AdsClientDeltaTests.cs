using System.Net;
using Envoy.Service.Discovery.V3;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using static MeshProxy.Tests.Support.FakeControlPlane;

namespace MeshProxy.Tests.Xds.Client;

public sealed class AdsClientDeltaTests
{
    private static readonly IPEndPoint Host1 = new(IPAddress.Parse("10.0.0.1"), 8080);

    [Fact]
    public async Task StartAsync_FreshStart_DeltaOrderAndRequestContents()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.Delta);
        AdsClientStateOfTheWorldTests.SubscribeLikeAStore(h);
        var cp = h.ControlPlane;

        var cds = await cp.NextDeltaRequestAsync();
        AssertDelta(cds, XdsTypeUrls.Cluster, nonce: "", subscribe: [], unsubscribe: [], node: true);
        Assert.Empty(cds.InitialResourceVersions);

        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Cluster, "s1", "n1", [("a", "1", EdsCluster("a")), ("b", "1", EdsCluster("b"))]));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Cluster, nonce: "n1", subscribe: [], unsubscribe: [], node: false);
        var eds = await cp.NextDeltaRequestAsync();
        AssertDelta(eds, XdsTypeUrls.ClusterLoadAssignment, nonce: "", subscribe: ["a", "b"], unsubscribe: [], node: false);
        Assert.Empty(eds.InitialResourceVersions);

        await cp.SendAsync(DeltaResponse(XdsTypeUrls.ClusterLoadAssignment, "s2", "n2", [("a", "1", Endpoints("a", Host1)), ("b", "1", Endpoints("b", Host1))]));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, nonce: "n2", subscribe: [], unsubscribe: [], node: false);
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Listener, nonce: "", subscribe: [], unsubscribe: [], node: false);

        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Listener, "s3", "n3", [("l", "1", RdsListener("l", new IPEndPoint(IPAddress.Any, 80), "80"))]));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Listener, nonce: "n3", subscribe: [], unsubscribe: [], node: false);
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.RouteConfiguration, nonce: "", subscribe: ["80"], unsubscribe: [], node: false);
        await cp.SendAsync(DeltaResponse(XdsTypeUrls.RouteConfiguration, "s4", "n4", [("80", "1", Routes("80", "a"))]));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.RouteConfiguration, nonce: "n4", subscribe: [], unsubscribe: [], node: false);
        await h.Client.InitialFetchCompleted.WaitAsync(DefaultTimeout);

        var first = h.Handler.All.First();
        Assert.True(first.Delta);
        Assert.Equal("s1", first.Version);
        Assert.Equal(["a", "b"], first.Names);
        Assert.All(first.Resources, resource => Assert.Equal("1", resource.Version));
    }

    [Fact]
    public async Task Response_UpdateAndRemove_HandlerSeesBothAndVersionsFollow()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.Delta);
        var cp = h.ControlPlane;
        await AcceptClustersAsync(h);

        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Cluster, "s2", "n2", [("a", "2", EdsCluster("a"))], removed: ["b"]));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Cluster, "n2", [], [], node: false);

        var call = h.Handler.All.Last();
        Assert.Equal(["a"], call.Names);
        Assert.Equal("2", call.Resources[0].Version);
        Assert.Equal(["b"], call.Removed);
        var status = h.Client.Status.Types[XdsTypeUrls.Cluster];
        Assert.Equal(new Dictionary<string, string> { ["a"] = "2" }, status.ResourceVersions);
        Assert.Equal("s2", status.LastAckedVersion);
    }

    [Fact]
    public async Task Response_HandlerRejects_NacksWithNonceAndKeepsVersions()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.Delta);
        var cp = h.ControlPlane;
        await AcceptClustersAsync(h);
        h.Handler.Reject = call => call.Version == "s2" ? "cluster 'a': bad" : null;

        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Cluster, "s2", "n2", [("a", "2", EdsCluster("a"))], removed: ["b"]));

        var nack = await cp.NextDeltaRequestAsync();
        AssertDelta(nack, XdsTypeUrls.Cluster, "n2", [], [], node: false);
        Assert.Equal(3, nack.ErrorDetail.Code);
        Assert.Equal("cluster 'a': bad", nack.ErrorDetail.Message);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" }, h.Client.Status.Types[XdsTypeUrls.Cluster].ResourceVersions);
    }

    [Fact]
    public async Task Response_DuplicateOrWrongType_NacksWithoutCallingHandler()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.Delta);
        var cp = h.ControlPlane;
        await cp.NextDeltaRequestAsync();

        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Cluster, "s1", "n1", [("a", "1", EdsCluster("a")), ("a", "2", EdsCluster("a"))]));
        Assert.Equal("resources[1] 'a': duplicate resource name in one response", (await cp.NextDeltaRequestAsync()).ErrorDetail.Message);
        Assert.Equal((XdsTypeUrls.Cluster, "s1", "resources[1] 'a': duplicate resource name in one response"), Assert.Single(h.Handler.Rejected));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Listener, "", [], [], node: false);

        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Cluster, "s1", "n2", [("e", "1", Endpoints("e"))]));
        var nack = await cp.NextDeltaRequestAsync();
        Assert.Equal("n2", nack.ResponseNonce);
        Assert.Equal(
            $"resources[0] 'e': type URL '{XdsTypeUrls.ClusterLoadAssignment}' differs from the response type URL '{XdsTypeUrls.Cluster}'",
            nack.ErrorDetail.Message);
        Assert.Empty(h.Handler.All);
    }

    [Fact]
    public async Task SetSubscription_Changes_SendsSubscribeAndUnsubscribeDiffWithoutNonce()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.Delta);
        var cp = h.ControlPlane;
        await AcceptClustersAsync(h);
        h.Client.SetSubscription(XdsTypeUrls.ClusterLoadAssignment, ["a", "b"]);
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "", ["a", "b"], [], node: false);
        await cp.SendAsync(DeltaResponse(XdsTypeUrls.ClusterLoadAssignment, "e1", "n5", [("a", "1", Endpoints("a")), ("b", "1", Endpoints("b"))]));
        await cp.NextDeltaRequestAsync();

        h.Client.SetSubscription(XdsTypeUrls.ClusterLoadAssignment, ["b", "c"]);

        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "", subscribe: ["c"], unsubscribe: ["a"], node: false);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "1" }, h.Client.Status.Types[XdsTypeUrls.ClusterLoadAssignment].ResourceVersions);
    }

    [Fact]
    public async Task StreamAbort_Reconnect_SendsInitialResourceVersionsAndNames()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.Delta);
        var cp = h.ControlPlane;
        await AcceptClustersAsync(h);
        h.Client.SetSubscription(XdsTypeUrls.ClusterLoadAssignment, ["a"]);
        await cp.NextDeltaRequestAsync();
        await cp.SendAsync(DeltaResponse(XdsTypeUrls.ClusterLoadAssignment, "e1", "n5", [("a", "7", Endpoints("a"))]));
        await cp.NextDeltaRequestAsync();

        cp.AbortStream();

        var cds = await cp.NextRequestAsync();
        Assert.Equal(2, cds.StreamId);
        AssertDelta(cds.Delta, XdsTypeUrls.Cluster, "", [], [], node: true);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" }, cds.Delta!.InitialResourceVersions);
        var eds = await cp.NextDeltaRequestAsync();
        AssertDelta(eds, XdsTypeUrls.ClusterLoadAssignment, "", ["a"], [], node: false);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "7" }, eds.InitialResourceVersions);
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Listener, "", [], [], node: false);

        // "b" went away while disconnected: the server says so, and the handler hears it.
        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Cluster, "s9", "m1", [], removed: ["b"]));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Cluster, "m1", [], [], node: false);
        Assert.Equal(["b"], h.Handler.All.Last().Removed);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1" }, h.Client.Status.Types[XdsTypeUrls.Cluster].ResourceVersions);
    }

    /// <summary>CDS s1/n1 with a@1 and b@1 accepted (no EDS names subscribed, so LDS follows); requests consumed.</summary>
    private static async Task AcceptClustersAsync(AdsHarness h)
    {
        var cp = h.ControlPlane;
        await cp.NextDeltaRequestAsync();
        await cp.SendAsync(DeltaResponse(XdsTypeUrls.Cluster, "s1", "n1", [("a", "1", EdsCluster("a")), ("b", "1", EdsCluster("b"))]));
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Cluster, "n1", [], [], node: false);
        AssertDelta(await cp.NextDeltaRequestAsync(), XdsTypeUrls.Listener, "", [], [], node: false);
    }

    private static void AssertDelta(DeltaDiscoveryRequest? request, string typeUrl, string nonce, string[] subscribe, string[] unsubscribe, bool node)
    {
        Assert.NotNull(request);
        Assert.Equal(typeUrl, request.TypeUrl);
        Assert.Equal(nonce, request.ResponseNonce);
        Assert.Equal(subscribe, request.ResourceNamesSubscribe.Order(StringComparer.Ordinal));
        Assert.Equal(unsubscribe, request.ResourceNamesUnsubscribe.Order(StringComparer.Ordinal));
        if (node)
        {
            Assert.Equal(AdsHarness.TestNode, request.Node);
        }
        else
        {
            Assert.Null(request.Node);
        }
    }
}
