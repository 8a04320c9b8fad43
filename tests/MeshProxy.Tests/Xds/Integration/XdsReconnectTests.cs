using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>Stream resets and control-plane outages: the proxy keeps serving, resends its state, and converges.</summary>
public sealed class XdsReconnectTests
{
    private const string Eds = "outbound|80||a.default.svc.cluster.local";

    [Fact(Timeout = 30_000)]
    public async Task Ads_StreamResetMidSync_ResendsNodeVersionsAndNamesThenConverges()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        var a = rig.Upstream("a");
        await rig.NextRequestAsync(XdsTypeUrls.Cluster);
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Cluster, "c1", "n1", XdsProtos.EdsCluster(Eds)), "c1", "n1");
        await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment);
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.ClusterLoadAssignment, "e1", "n2", XdsProtos.Assignment(Eds, a.EndPoint)), "e1", "n2");
        await rig.NextRequestAsync(XdsTypeUrls.Listener);

        rig.ControlPlane.AbortStream();

        var cds = await rig.NextRequestAsync(XdsTypeUrls.Cluster, streamId: 2);
        var eds = await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment, streamId: 2);
        var lds = await rig.NextRequestAsync(XdsTypeUrls.Listener, streamId: 2);
        Assert.Equal(XdsTestRig.NodeId, cds.Node?.Id);
        Assert.Equal(("c1", "", 0), (cds.VersionInfo, cds.ResponseNonce, cds.ResourceNames.Count));
        Assert.Equal(("e1", "", Eds), (eds.VersionInfo, eds.ResponseNonce, Assert.Single(eds.ResourceNames)));
        Assert.Equal(("", "", 0), (lds.VersionInfo, lds.ResponseNonce, lds.ResourceNames.Count));
        Assert.Null(eds.Node);
        Assert.Null(lds.Node);
        Assert.Equal(3, rig.RequestsOnStream(2).Count);

        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Cluster, "c1", "m1", XdsProtos.EdsCluster(Eds)), "c1", "m1");
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.ClusterLoadAssignment, "e1", "m2", XdsProtos.Assignment(Eds, a.EndPoint)), "e1", "m2");
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Listener, "l1", "m3", XdsProtos.TcpListener("in", port, Eds)), "l1", "m3");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
    }

    [Fact(Timeout = 30_000)]
    public async Task Ads_ControlPlaneDownForAWhile_KeepsServingThenReconnectsAndAppliesTheNextPush()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        var clusters = new[] { XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint), XdsProtos.StaticCluster("b", rig.Upstream("b").EndPoint) };
        await rig.SyncAsync("1", clusters, [XdsProtos.TcpListener("in", port, "a")]);
        Assert.Equal(1, rig.Gauge("control_plane.connected_state"));
        using var open = await Conversation.OpenAsync(port);

        await rig.ControlPlane.StopAsync();
        await XdsTestRig.WaitUntilAsync(() => rig.Gauge("control_plane.connected_state") == 0, "connected_state 0");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
            await open.EchoAsync($"still here while the control plane is down ({i})");
            await Task.Delay(100); // a few reconnect attempts (backoff 20-200 ms) fail meanwhile
        }

        await rig.ControlPlane.RestartAsync();
        var cds = await rig.NextRequestAsync(XdsTypeUrls.Cluster, streamId: 2);
        Assert.Equal("1", cds.VersionInfo);
        Assert.Equal(XdsTestRig.NodeId, cds.Node?.Id);
        var lds = await rig.NextRequestAsync(XdsTypeUrls.Listener, streamId: 2);
        Assert.Equal("1", lds.VersionInfo);
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Cluster, "2", "cds-2", clusters), "2", "cds-2");
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Listener, "2", "lds-2", XdsProtos.TcpListener("in", port, "b")), "2", "lds-2");

        Assert.Equal("b", await XdsTestRig.RoundTripAsync(port));
        await open.EchoAsync("the connection opened before the outage outlives it");
        Assert.Equal(1, rig.Gauge("control_plane.connected_state"));
    }
}
