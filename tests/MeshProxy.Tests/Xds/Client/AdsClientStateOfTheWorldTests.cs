using System.Net;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Tests.Support;
using MeshProxy.Core.Threading;
using MeshProxy.Xds.Client;
using static MeshProxy.Tests.Support.FakeControlPlane;

namespace MeshProxy.Tests.Xds.Client;

public sealed class AdsClientStateOfTheWorldTests
{
    private static readonly IPEndPoint Host1 = new(IPAddress.Parse("10.0.0.1"), 8080);
    private static readonly IPEndPoint ListenerAddress = new(IPAddress.Any, 8080);

    [Fact]
    public async Task StartAsync_FreshStart_RequestsCdsThenEdsThenLdsThenRdsWithExactContents()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        SubscribeLikeAStore(h);
        var cp = h.ControlPlane;

        var cds = await cp.NextRequestAsync();
        Assert.Equal(1, cds.StreamId);
        AssertRequest(cds.Sotw, XdsTypeUrls.Cluster, version: "", nonce: "", names: [], node: true);
        await cp.AssertNoRequestAsync(TimeSpan.FromMilliseconds(150));

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a"), EdsCluster("b")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, version: "c1", nonce: "n1", names: [], node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, version: "", nonce: "", names: ["a", "b"], node: false);
        await cp.AssertNoRequestAsync(TimeSpan.FromMilliseconds(100));

        // EDS is partial: "b" is still warming, so LDS waits.
        await cp.SendAsync(SotwResponse(XdsTypeUrls.ClusterLoadAssignment, "e1", "n2", Endpoints("a", Host1)));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, version: "e1", nonce: "n2", names: ["a", "b"], node: false);
        await cp.AssertNoRequestAsync(TimeSpan.FromMilliseconds(100));

        await cp.SendAsync(SotwResponse(XdsTypeUrls.ClusterLoadAssignment, "e2", "n3", Endpoints("b", Host1)));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, version: "e2", nonce: "n3", names: ["a", "b"], node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, version: "", nonce: "", names: [], node: false);

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Listener, "l1", "n4", RdsListener("0.0.0.0_8080", ListenerAddress, "8080")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, version: "l1", nonce: "n4", names: [], node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.RouteConfiguration, version: "", nonce: "", names: ["8080"], node: false);
        Assert.False(h.Client.InitialFetchCompleted.IsCompleted);

        await cp.SendAsync(SotwResponse(XdsTypeUrls.RouteConfiguration, "r1", "n5", Routes("8080", "a")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.RouteConfiguration, version: "r1", nonce: "n5", names: ["8080"], node: false);
        await h.Client.InitialFetchCompleted.WaitAsync(DefaultTimeout);

        var calls = h.Handler.All.ToArray();
        Assert.Equal([XdsTypeUrls.Cluster, XdsTypeUrls.ClusterLoadAssignment, XdsTypeUrls.ClusterLoadAssignment, XdsTypeUrls.Listener, XdsTypeUrls.RouteConfiguration], calls.Select(call => call.TypeUrl));
        Assert.Equal(["a", "b"], calls[0].Names);
        Assert.All(calls[0].Resources, resource => Assert.Equal("c1", resource.Version));
        Assert.IsType<Cluster>(calls[0].Resources[0].Message);
        Assert.Equal("a", Assert.IsType<ClusterLoadAssignment>(calls[1].Resources[0].Message).ClusterName);
        Assert.False(h.Handler.SawConcurrentCalls);

        var status = h.Client.Status;
        Assert.True(status.Connected);
        Assert.Equal("c1", status.Types[XdsTypeUrls.Cluster].LastAckedVersion);
        Assert.Equal("n3", status.Types[XdsTypeUrls.ClusterLoadAssignment].LastNonce);
        Assert.Equal(["a", "b"], status.Types[XdsTypeUrls.ClusterLoadAssignment].SubscribedNames);
        Assert.Null(status.Types[XdsTypeUrls.Listener].LastNackMessage);
    }

    [Fact]
    public async Task Response_WithControlPlaneWorker_IsDecodedAndHandledOnTheWorkerThread()
    {
        using var worker = new ControlPlaneWorker(ControlPlanePriority.Idle, Serilog.Core.Logger.None);
        var onWorker = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        await using var h = await AdsHarness.StartAsync(
            XdsApiType.StateOfTheWorld, options => options with { Worker = worker }, handler => handler.OnCall = _ => onWorker.Enqueue(worker.IsCurrent));
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "c1", "n1", [], node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c2", "n2", EdsCluster("a"), EdsCluster("b")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "c2", "n2", [], node: false);

        Assert.Equal([true, true], onWorker);
    }

    [Fact]
    public async Task Response_HandlerRejects_NacksWithPreviousVersionAndErrorDetailThenRecovers()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        h.Handler.Reject = call => call.Version == "c2" ? "clusters[0]: bad lb_policy" : null;
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "c1", "n1", [], node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c2", "n2", EdsCluster("a")));
        var nack = await cp.NextSotwRequestAsync();
        AssertRequest(nack, XdsTypeUrls.Cluster, version: "c1", nonce: "n2", names: [], node: false, errorDetail: true);
        Assert.Equal((int)StatusCode.InvalidArgument, nack.ErrorDetail.Code);
        Assert.Equal("clusters[0]: bad lb_policy", nack.ErrorDetail.Message);
        var typeStatus = h.Client.Status.Types[XdsTypeUrls.Cluster];
        Assert.Equal("clusters[0]: bad lb_policy", typeStatus.LastNackMessage);
        Assert.NotNull(typeStatus.LastNackTime);
        Assert.Equal("c1", typeStatus.LastAckedVersion);

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c3", "n3", EdsCluster("a")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "c3", "n3", [], node: false);
    }

    [Fact]
    public async Task Response_HandlerThrows_NacksWithExceptionMessageAndKeepsStream()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        h.Handler.OnCall = _ => throw new InvalidOperationException("store exploded");
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));

        var nack = await cp.NextRequestAsync();
        Assert.Equal(1, nack.StreamId);
        Assert.Equal("", nack.Sotw!.VersionInfo);
        Assert.Equal("CDS handler failed: InvalidOperationException: store exploded", nack.Sotw.ErrorDetail.Message);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var options = AdsHarness.DefaultOptions(XdsServerTarget.Parse("127.0.0.1:1"), XdsApiType.StateOfTheWorld);

        Assert.Throws<ArgumentOutOfRangeException>(() => new AdsClient(options with { BackoffBase = TimeSpan.Zero }, new RecordingXdsHandler(), Serilog.Core.Logger.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdsClient(options with { MaxReceiveMessageBytes = 0 }, new RecordingXdsHandler(), Serilog.Core.Logger.None));
    }

    [Fact]
    public async Task Response_ResourceOfWrongType_NacksNamingResourceWithoutCallingHandler()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a"), RdsListener("l1", ListenerAddress, "80")));

        var nack = await cp.NextSotwRequestAsync();
        AssertRequest(nack, XdsTypeUrls.Cluster, version: "", nonce: "n1", names: [], node: false, errorDetail: true);
        Assert.Equal(
            $"resources[1] 'l1': type URL '{XdsTypeUrls.Listener}' differs from the response type URL '{XdsTypeUrls.Cluster}'",
            nack.ErrorDetail.Message);
        Assert.Empty(h.Handler.All);
    }

    [Fact]
    public async Task Response_DuplicateName_NacksWithoutCallingHandler()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a"), EdsCluster("b"), EdsCluster("a")));

        var nack = await cp.NextSotwRequestAsync();
        Assert.Equal("n1", nack.ResponseNonce);
        Assert.Equal("resources[2] 'a': duplicate resource name in one response", nack.ErrorDetail.Message);
        Assert.Equal(3, nack.ErrorDetail.Code);
        Assert.Empty(h.Handler.All);
        Assert.Equal((XdsTypeUrls.Cluster, "c1", nack.ErrorDetail.Message), Assert.Single(h.Handler.Rejected));
    }

    [Fact]
    public async Task Response_FirstClustersRejectedByProtocol_InitialFetchStillMovesToListeners()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a"), EdsCluster("a")));

        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "", "n1", [], node: false, errorDetail: true);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);
    }

    [Fact]
    public async Task Response_UndecodableResource_NacksWithoutCallingHandler()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();
        var response = new DiscoveryResponse { TypeUrl = XdsTypeUrls.Cluster, VersionInfo = "c1", Nonce = "n1" };
        response.Resources.Add(new Any { TypeUrl = XdsTypeUrls.Cluster, Value = ByteString.CopyFrom(0xFF, 0xFF, 0xFF) });

        await cp.SendAsync(response);

        var nack = await cp.NextSotwRequestAsync();
        Assert.StartsWith($"resources[0]: does not decode as {XdsTypeUrls.Cluster}", nack.ErrorDetail.Message, StringComparison.Ordinal);
        Assert.Empty(h.Handler.All);
    }

    [Fact]
    public async Task Response_TypeNotSubscribed_NacksWithoutCallingHandler()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.RouteConfiguration, "r1", "n1", Routes("80", "a")));

        var nack = await cp.NextSotwRequestAsync();
        AssertRequest(nack, XdsTypeUrls.RouteConfiguration, version: "", nonce: "n1", names: [], node: false, errorDetail: true);
        Assert.Equal($"type URL '{XdsTypeUrls.RouteConfiguration}' was not subscribed", nack.ErrorDetail.Message);
        Assert.Empty(h.Handler.All);
    }

    [Fact]
    public async Task Response_WrappedInDiscoveryResource_IsUnwrapped()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();
        var response = new DiscoveryResponse { TypeUrl = XdsTypeUrls.Cluster, VersionInfo = "c1", Nonce = "n1" };
        response.Resources.Add(Any.Pack(new Resource { Name = "a", Version = "ignored", Resource_ = Any.Pack(EdsCluster("a")) }));

        await cp.SendAsync(response);

        var call = await h.Handler.NextCallAsync();
        Assert.Equal(["a"], call.Names);
        Assert.Equal("c1", call.Resources[0].Version);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "c1", "n1", [], node: false);
    }

    [Fact]
    public async Task SetSubscription_AfterLaterResponse_CarriesLatestNonceAndAckedVersion()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await WarmClustersAsync(h, ["a"]);

        // The server pushes an EDS update; then the store's subscription changes: the change names that latest nonce.
        await cp.SendAsync(SotwResponse(XdsTypeUrls.ClusterLoadAssignment, "e2", "n7", Endpoints("a", Host1)));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "e2", "n7", ["a"], node: false);
        h.Client.SetSubscription(XdsTypeUrls.ClusterLoadAssignment, ["a", "c"]);

        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, version: "e2", nonce: "n7", names: ["a", "c"], node: false);
    }

    [Fact]
    public async Task SetSubscription_RemovingNames_SendsRemainingNamesThenEmptyList()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await WarmClustersAsync(h, ["a", "b"]);

        h.Client.SetSubscription(XdsTypeUrls.ClusterLoadAssignment, ["b"]);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "e1", "ne", ["b"], node: false);

        h.Client.SetSubscription(XdsTypeUrls.ClusterLoadAssignment, []);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "e1", "ne", [], node: false);
        Assert.Empty(h.Client.Status.Types[XdsTypeUrls.ClusterLoadAssignment].SubscribedNames);
    }

    [Fact]
    public void SetSubscription_WildcardOrUnknownType_Throws()
    {
        var options = AdsHarness.DefaultOptions(XdsServerTarget.Parse("127.0.0.1:1"), XdsApiType.StateOfTheWorld);
        var client = new AdsClient(options, new RecordingXdsHandler(), Serilog.Core.Logger.None);

        Assert.Throws<ArgumentException>(() => client.SetSubscription(XdsTypeUrls.Listener, ["x"]));
        Assert.Throws<ArgumentException>(() => client.SetSubscription("type.googleapis.com/foo.Bar", ["x"]));
    }

    [Fact]
    public async Task StreamAbort_MidSync_ReconnectResendsNodeVersionsAndNamesAndConverges()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await WarmClustersAsync(h, ["a", "b"]);
        Assert.True(await h.Handler.NextConnectionChangeAsync());

        cp.AbortStream();

        Assert.False(await h.Handler.NextConnectionChangeAsync());
        var requests = new[] { await cp.NextRequestAsync(), await cp.NextRequestAsync(), await cp.NextRequestAsync() };
        Assert.All(requests, request => Assert.Equal(2, request.StreamId));
        AssertRequest(requests[0].Sotw, XdsTypeUrls.Cluster, version: "c1", nonce: "", names: [], node: true);
        AssertRequest(requests[1].Sotw, XdsTypeUrls.ClusterLoadAssignment, version: "e1", nonce: "", names: ["a", "b"], node: false);
        AssertRequest(requests[2].Sotw, XdsTypeUrls.Listener, version: "", nonce: "", names: [], node: false);
        Assert.True(await h.Handler.NextConnectionChangeAsync());

        // Cluster "b" was removed while disconnected: the new complete set reaches the handler.
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c2", "m1", EdsCluster("a")));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "c2", "m1", [], node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "e1", "", ["a"], node: false);
        Assert.Equal(["a"], h.Handler.All.Last().Names);
    }

    [Fact]
    public async Task StreamEnd_Unavailable_Reconnects()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));
        await cp.NextSotwRequestAsync();
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);

        cp.EndStream(StatusCode.Unavailable, "max connection age");

        var again = await cp.NextRequestAsync();
        Assert.Equal(2, again.StreamId);
        AssertRequest(again.Sotw, XdsTypeUrls.Cluster, "c1", "", [], node: true);
    }

    [Fact]
    public async Task ServerDown_ForAWhile_ReconnectsWithBackoffAndResends()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));
        await cp.NextSotwRequestAsync();
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);
        Assert.True(await h.Handler.NextConnectionChangeAsync());

        await cp.StopAsync();
        Assert.False(await h.Handler.NextConnectionChangeAsync());
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.False(h.Client.Status.Connected);
        await cp.RestartAsync();

        var again = await cp.NextRequestAsync();
        AssertRequest(again.Sotw, XdsTypeUrls.Cluster, "c1", "", [], node: true);
        Assert.True(await h.Handler.NextConnectionChangeAsync());
        Assert.Equal(["a"], Assert.Single(h.Handler.All).Names);
    }

    [Fact]
    public async Task InitialFetchTimeout_EndpointsNeverAnswer_ListenersRequestedAnyway()
    {
        var clock = new ManualTimeProvider();
        await using var h = await AdsHarness.StartAsync(
            XdsApiType.StateOfTheWorld, options => options with { InitialFetchTimeout = TimeSpan.FromSeconds(15), TimeProvider = clock });
        SubscribeLikeAStore(h);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));
        await cp.NextSotwRequestAsync();
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "", "", ["a"], node: false);
        clock.Advance(TimeSpan.FromSeconds(14));
        await cp.AssertNoRequestAsync(TimeSpan.FromMilliseconds(100));

        clock.Advance(TimeSpan.FromSeconds(1));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);
        Assert.False(h.Client.InitialFetchCompleted.IsCompleted);
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Listener, "l1", "n2"));
        await cp.NextSotwRequestAsync();
        await h.Client.InitialFetchCompleted.WaitAsync(DefaultTimeout);
    }

    [Fact]
    public async Task InitialFetchTimeout_Zero_WaitsForEndpointsForever()
    {
        var clock = new ManualTimeProvider();
        await using var h = await AdsHarness.StartAsync(
            XdsApiType.StateOfTheWorld, options => options with { InitialFetchTimeout = TimeSpan.Zero, TimeProvider = clock });
        SubscribeLikeAStore(h);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", EdsCluster("a")));
        await cp.NextSotwRequestAsync();
        await cp.NextSotwRequestAsync();

        clock.Advance(TimeSpan.FromHours(1));

        await cp.AssertNoRequestAsync(TimeSpan.FromMilliseconds(100));
        Assert.False(h.Client.InitialFetchCompleted.IsCompleted);
    }

    [Fact]
    public async Task InitialFetchCompleted_StaticClustersOnly_ListenersFollowCdsDirectly()
    {
        await using var h = await AdsHarness.StartAsync(XdsApiType.StateOfTheWorld);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();

        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", new Cluster { Name = "static", Type = Cluster.Types.DiscoveryType.Static }));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Cluster, "c1", "n1", [], node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Listener, "l1", "n2"));

        await h.Client.InitialFetchCompleted.WaitAsync(DefaultTimeout);
    }

    /// <summary>What the resource store will do: follow clusters with EDS names and listeners with RDS names.</summary>
    internal static void SubscribeLikeAStore(AdsHarness h) => h.Handler.OnCall = call =>
    {
        if (call.TypeUrl == XdsTypeUrls.Cluster)
        {
            h.Client.SetSubscription(XdsTypeUrls.ClusterLoadAssignment, call.Resources
                .Where(resource => ((Cluster)resource.Message).Type == Cluster.Types.DiscoveryType.Eds).Select(resource => resource.Name).ToArray());
        }
        else if (call.TypeUrl == XdsTypeUrls.Listener)
        {
            h.Client.SetSubscription(XdsTypeUrls.RouteConfiguration, call.Resources
                .Select(resource => ((Envoy.Config.Listener.V3.Listener)resource.Message).FilterChains[0].Filters[0].TypedConfig
                    .Unpack<Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager>().Rds.RouteConfigName)
                .ToArray());
        }
    };

    /// <summary>CDS c1/n1 with <paramref name="clusters"/>, then EDS e1/ne for all of them; every request consumed up to the EDS ACK.</summary>
    private static async Task WarmClustersAsync(AdsHarness h, string[] clusters)
    {
        SubscribeLikeAStore(h);
        var cp = h.ControlPlane;
        await cp.NextSotwRequestAsync();
        await cp.SendAsync(SotwResponse(XdsTypeUrls.Cluster, "c1", "n1", clusters.Select(name => (IMessage)EdsCluster(name)).ToArray()));
        await cp.NextSotwRequestAsync();
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "", "", clusters, node: false);
        await cp.SendAsync(SotwResponse(XdsTypeUrls.ClusterLoadAssignment, "e1", "ne", clusters.Select(name => (IMessage)Endpoints(name, Host1)).ToArray()));
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.ClusterLoadAssignment, "e1", "ne", clusters, node: false);
        AssertRequest(await cp.NextSotwRequestAsync(), XdsTypeUrls.Listener, "", "", [], node: false);
    }

    internal static void AssertRequest(DiscoveryRequest? request, string typeUrl, string version, string nonce, string[] names, bool node, bool errorDetail = false)
    {
        Assert.NotNull(request);
        Assert.Equal(typeUrl, request.TypeUrl);
        Assert.Equal(version, request.VersionInfo);
        Assert.Equal(nonce, request.ResponseNonce);
        Assert.Equal(names, request.ResourceNames);
        if (node)
        {
            Assert.Equal(AdsHarness.TestNode, request.Node);
        }
        else
        {
            Assert.Null(request.Node);
        }

        Assert.Equal(errorDetail, request.ErrorDetail is not null);
    }
}
