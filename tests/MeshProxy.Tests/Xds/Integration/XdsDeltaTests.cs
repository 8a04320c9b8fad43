using Google.Protobuf;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>Delta xDS end to end: per-resource adds, updates and removals, and reconnects with initial_resource_versions.</summary>
public sealed class XdsDeltaTests
{
    [Fact(Timeout = 30_000)]
    public async Task Delta_AddUpdateRemove_RuntimeFollowsEachStep()
    {
        await using var rig = await XdsTestRig.StartAsync(XdsApiType.Delta);
        int port1 = XdsTestRig.FreePort(), port2 = XdsTestRig.FreePort();
        await SyncAsync(rig, port1);

        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Listener, "2", "l2", [Res(XdsProtos.TcpListener("two", port2, "a"), "1")]), "l2");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port1));
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port2));

        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Listener, "3", "l3", [Res(XdsProtos.TcpListener("one", port1, "b"), "2")]), "l3");
        Assert.Equal("b", await XdsTestRig.RoundTripAsync(port1));
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port2));

        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Listener, "4", "l4", [], ["two"]), "l4");
        await XdsTestRig.AssertRefusedAsync(port2);
        Assert.Equal("b", await XdsTestRig.RoundTripAsync(port1));
        Assert.Equal(
            [("one", "2")],
            rig.Store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.Listener).Resources.Select(r => (r.Name, r.Version)));
    }

    [Fact(Timeout = 30_000)]
    public async Task Delta_ReconnectAfterResourcesDeletedWhileDisconnected_SendsInitialVersionsAndRemovesThem()
    {
        await using var rig = await XdsTestRig.StartAsync(XdsApiType.Delta);
        int port1 = XdsTestRig.FreePort(), port2 = XdsTestRig.FreePort();
        await SyncAsync(rig, port1);
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Listener, "2", "l2", [Res(XdsProtos.TcpListener("two", port2, "b"), "1")]), "l2");
        Assert.Equal("b", await XdsTestRig.RoundTripAsync(port2));

        await rig.ControlPlane.StopAsync();
        await XdsTestRig.WaitUntilAsync(() => rig.Gauge("control_plane.connected_state") == 0, "connected_state 0");
        await rig.ControlPlane.RestartAsync();

        var cds = await rig.NextDeltaRequestAsync(XdsTypeUrls.Cluster, streamId: 2);
        var lds = await rig.NextDeltaRequestAsync(XdsTypeUrls.Listener, streamId: 2);
        Assert.Equal(XdsTestRig.NodeId, cds.Node?.Id);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "a1", ["b"] = "b1" }, cds.InitialResourceVersions);
        Assert.Equal(new Dictionary<string, string> { ["one"] = "1", ["two"] = "1" }, lds.InitialResourceVersions);
        Assert.Equal(("", ""), (cds.ResponseNonce, lds.ResponseNonce));

        // The control plane deleted listener "two" and cluster "b" while the proxy was away.
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Listener, "3", "r1", [], ["two"]), "r1");
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Cluster, "3", "r2", [], ["b"]), "r2");

        await XdsTestRig.AssertRefusedAsync(port2);
        Assert.Equal(["one"], rig.Runtime.Listeners.Select(l => l.Name));
        Assert.Equal(["a"], rig.Runtime.Config.Clusters.Select(c => c.Name));
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port1));
    }

    [Fact(Timeout = 30_000)]
    public async Task Delta_ReconnectWithEndpointSubscription_ResubscribesWithInitialVersionsAndAppliesTheNextAssignment()
    {
        const string Eds = "outbound|80||svc.default.svc.cluster.local";
        await using var rig = await XdsTestRig.StartAsync(XdsApiType.Delta);
        var port = XdsTestRig.FreePort();
        await rig.NextDeltaRequestAsync(XdsTypeUrls.Cluster);
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Cluster, "1", "c1", [Res(XdsProtos.EdsCluster(Eds, Eds), "c-v1")]), "c1");
        Assert.Equal([Eds], (await rig.NextDeltaRequestAsync(XdsTypeUrls.ClusterLoadAssignment)).ResourceNamesSubscribe);
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.ClusterLoadAssignment, "1", "e1", [Res(XdsProtos.Assignment(Eds, rig.Upstream("a").EndPoint), "e-v1")]), "e1");
        await rig.NextDeltaRequestAsync(XdsTypeUrls.Listener);
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Listener, "1", "l1", [Res(XdsProtos.TcpListener("in", port, Eds), "l-v1")]), "l1");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));

        rig.ControlPlane.AbortStream();

        var eds = await rig.NextDeltaRequestAsync(XdsTypeUrls.ClusterLoadAssignment, streamId: 2);
        Assert.Equal([Eds], eds.ResourceNamesSubscribe);
        Assert.Equal(new Dictionary<string, string> { [Eds] = "e-v1" }, eds.InitialResourceVersions);
        Assert.Equal(new Dictionary<string, string> { ["in"] = "l-v1" }, (await rig.NextDeltaRequestAsync(XdsTypeUrls.Listener, streamId: 2)).InitialResourceVersions);
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.ClusterLoadAssignment, "2", "e2", [Res(XdsProtos.Assignment(Eds, rig.Upstream("b").EndPoint), "e-v2")]), "e2");
        Assert.Equal("b", await XdsTestRig.RoundTripAsync(port));
    }

    // Clusters a (version a1) and b (b1); listener "one" on port1 to a (version 1).
    private static async Task SyncAsync(XdsTestRig rig, int port1)
    {
        var first = await rig.NextDeltaRequestAsync(XdsTypeUrls.Cluster);
        Assert.Equal(XdsTestRig.NodeId, first.Node?.Id);
        Assert.Empty(first.ResourceNamesSubscribe);
        AssertAck(
            await rig.PushDeltaAsync(
                XdsTypeUrls.Cluster, "1", "c1",
                [Res(XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint), "a1"), Res(XdsProtos.StaticCluster("b", rig.Upstream("b").EndPoint), "b1")]),
            "c1");
        await rig.NextDeltaRequestAsync(XdsTypeUrls.Listener);
        AssertAck(await rig.PushDeltaAsync(XdsTypeUrls.Listener, "1", "l1", [Res(XdsProtos.TcpListener("one", port1, "a"), "1")]), "l1");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port1));
    }

    private static (string Name, string Version, IMessage Message) Res(IMessage message, string version) => (XdsProtos.NameOf(message), version, message);

    private static void AssertAck(Envoy.Service.Discovery.V3.DeltaDiscoveryRequest request, string nonce)
    {
        Assert.True(request.ErrorDetail is null, $"expected an ACK of {nonce}, got a NACK: {request.ErrorDetail?.Message}");
        Assert.Equal(nonce, request.ResponseNonce);
        Assert.Empty(request.ResourceNamesSubscribe);
        Assert.Empty(request.InitialResourceVersions);
    }
}
