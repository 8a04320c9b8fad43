using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>SotW Listener/Cluster responses are complete sets; RDS/EDS subscriptions follow what is still referenced.</summary>
public sealed class XdsRemovalTests
{
    [Fact(Timeout = 30_000)]
    public async Task Cds_ClusterMissingFromResponse_NewConnectionsToItAreClosed()
    {
        await using var rig = await XdsTestRig.StartAsync();
        int portA = XdsTestRig.FreePort(), portB = XdsTestRig.FreePort();
        var a = XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint);
        var b = XdsProtos.StaticCluster("b", rig.Upstream("b").EndPoint);
        await rig.SyncAsync("1", [a, b], [XdsProtos.TcpListener("to-a", portA, "a"), XdsProtos.TcpListener("to-b", portB, "b")]);
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(portA));

        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Cluster, "2", "cds-2", b), "2", "cds-2");

        await XdsTestRig.AssertClosedWithoutUpstreamAsync(portA);
        Assert.Equal("b", await XdsTestRig.RoundTripAsync(portB));
        Assert.Equal(["b"], rig.Runtime.Config.Clusters.Select(c => c.Name));
    }

    [Fact(Timeout = 30_000)]
    public async Task Lds_ListenerMissingFromResponse_ItsPortStopsAcceptingAndOpenConnectionsDrain()
    {
        await using var rig = await XdsTestRig.StartAsync();
        int port1 = XdsTestRig.FreePort(), port2 = XdsTestRig.FreePort();
        var a = XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint);
        await rig.SyncAsync("1", [a], [XdsProtos.TcpListener("one", port1, "a"), XdsProtos.TcpListener("two", port2, "a")]);
        using var open = await Conversation.OpenAsync(port2);
        await open.EchoAsync("before the removal");

        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Listener, "2", "lds-2", XdsProtos.TcpListener("one", port1, "a")), "2", "lds-2");

        await XdsTestRig.AssertRefusedAsync(port2);
        await open.EchoAsync("a connection of the removed listener drains: it keeps working within the drain time");
        await open.FinishAsync();
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port1));
        Assert.Equal(["one"], rig.Runtime.Listeners.Select(l => l.Name));
    }

    [Fact(Timeout = 30_000)]
    public async Task Eds_ClusterRemoved_ItsEndpointsAreUnsubscribed()
    {
        await using var rig = await XdsTestRig.StartAsync();
        await rig.NextRequestAsync(XdsTypeUrls.Cluster);
        XdsTestRig.AssertAck(
            await rig.PushAsync(XdsTypeUrls.Cluster, "1", "cds-1", XdsProtos.EdsCluster("outbound|80||a"), XdsProtos.EdsCluster("outbound|80||b")),
            "1", "cds-1");
        Assert.Equal(["outbound|80||a", "outbound|80||b"], (await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment)).ResourceNames);
        XdsTestRig.AssertAck(
            await rig.PushAsync(
                XdsTypeUrls.ClusterLoadAssignment, "1", "eds-1",
                XdsProtos.Assignment("outbound|80||a", rig.Upstream("a").EndPoint), XdsProtos.Assignment("outbound|80||b", rig.Upstream("b").EndPoint)),
            "1", "eds-1");

        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Cluster, "2", "cds-2", XdsProtos.EdsCluster("outbound|80||b")), "2", "cds-2");

        // The narrowed subscription carries the last EDS version and nonce (istiod drops stale-nonce requests).
        var unsubscribe = await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment);
        Assert.Equal(["outbound|80||b"], unsubscribe.ResourceNames);
        Assert.Equal("1", unsubscribe.VersionInfo);
        Assert.Equal("eds-1", unsubscribe.ResponseNonce);
        Assert.Equal(["outbound|80||b"], rig.Store.Dump().Types.Single(t => t.TypeUrl == XdsTypeUrls.ClusterLoadAssignment).Resources.Select(r => r.Name));
    }

    [Fact(Timeout = 30_000)]
    public async Task Rds_ListenerRemoved_ItsRoutesAreUnsubscribed()
    {
        await using var rig = await XdsTestRig.StartAsync();
        int port1 = XdsTestRig.FreePort(), port2 = XdsTestRig.FreePort();
        await rig.SyncAsync(
            "1",
            [XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint)],
            [XdsProtos.HttpListener("http-8080", port1, "8080"), XdsProtos.HttpListener("http-9090", port2, "9090")]);
        Assert.Equal(["8080", "9090"], (await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration)).ResourceNames);
        XdsTestRig.AssertAck(
            await rig.PushAsync(XdsTypeUrls.RouteConfiguration, "1", "rds-1", XdsProtos.Routes("8080", "a"), XdsProtos.Routes("9090", "a")),
            "1", "rds-1");

        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Listener, "2", "lds-2", XdsProtos.HttpListener("http-8080", port1, "8080")), "2", "lds-2");

        var unsubscribe = await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration);
        Assert.Equal(["8080"], unsubscribe.ResourceNames);
        Assert.Equal("1", unsubscribe.VersionInfo);
        Assert.Equal("rds-1", unsubscribe.ResponseNonce);
        await XdsTestRig.AssertRefusedAsync(port2);
        Assert.True(rig.IsBound("http-8080"));
    }
}
