using System.Text.Json;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.State;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>A fresh start fetches CDS, then the EDS it references, then LDS, then the RDS it references, each ACKed exactly.</summary>
public sealed class XdsInitialSyncTests
{
    private const string Eds = "outbound|9080||reviews.default.svc.cluster.local";

    [Fact(Timeout = 30_000)]
    public async Task Ads_FreshStart_FetchesCdsEdsLdsRdsInOrderWithExactAcks()
    {
        await using var rig = await XdsTestRig.StartAsync();
        int tcpPort = XdsTestRig.FreePort(), httpPort = XdsTestRig.FreePort();
        var reviews = rig.Upstream("reviews");

        var cds = await rig.NextRequestAsync(XdsTypeUrls.Cluster);
        Assert.Equal(XdsTestRig.NodeId, cds.Node?.Id);
        Assert.Equal(("", "", 0), (cds.VersionInfo, cds.ResponseNonce, cds.ResourceNames.Count));
        var cdsAck = await rig.PushAsync(XdsTypeUrls.Cluster, "2026-11-27T08:00:00Z/7", "cds-nonce-1", XdsProtos.EdsCluster(Eds, Eds));
        XdsTestRig.AssertAck(cdsAck, "2026-11-27T08:00:00Z/7", "cds-nonce-1");
        Assert.Empty(cdsAck.ResourceNames);

        var eds = await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment);
        Assert.Equal(("", "", Eds), (eds.VersionInfo, eds.ResponseNonce, Assert.Single(eds.ResourceNames)));
        Assert.Equal(XdsResourceStatus.Warming, Status(rig, XdsTypeUrls.Cluster, Eds));
        Assert.Equal(1, rig.Gauge("cluster_manager.warming_clusters"));
        Assert.DoesNotContain(rig.ControlPlane.AllRequests, r => r.Sotw?.TypeUrl == XdsTypeUrls.Listener);
        var edsAck = await rig.PushAsync(XdsTypeUrls.ClusterLoadAssignment, "2026-11-27T08:00:00Z/7", "eds-nonce-1", XdsProtos.Assignment(Eds, reviews.EndPoint));
        XdsTestRig.AssertAck(edsAck, "2026-11-27T08:00:00Z/7", "eds-nonce-1");
        Assert.Equal([Eds], edsAck.ResourceNames);
        Assert.Equal(XdsResourceStatus.Active, Status(rig, XdsTypeUrls.Cluster, Eds));

        var lds = await rig.NextRequestAsync(XdsTypeUrls.Listener);
        Assert.Equal(("", "", 0), (lds.VersionInfo, lds.ResponseNonce, lds.ResourceNames.Count));
        var ldsAck = await rig.PushAsync(
            XdsTypeUrls.Listener, "2026-11-27T08:00:00Z/7", "lds-nonce-1",
            XdsProtos.TcpListener("tcp", tcpPort, Eds), XdsProtos.HttpListener("http", httpPort, "9080"));
        XdsTestRig.AssertAck(ldsAck, "2026-11-27T08:00:00Z/7", "lds-nonce-1");

        var rds = await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration);
        Assert.Equal(("", "", "9080"), (rds.VersionInfo, rds.ResponseNonce, Assert.Single(rds.ResourceNames)));
        Assert.True(rig.IsBound("tcp"));
        Assert.False(rig.IsBound("http"), "a listener waits for its routes before it accepts");
        Assert.Equal(XdsResourceStatus.Warming, Status(rig, XdsTypeUrls.Listener, "http"));
        Assert.Equal(1, rig.Gauge("listener_manager.total_listeners_warming"));
        Assert.Equal(["warming_state", "active_state"], DumpedListenerStates(rig, "http", "tcp"));
        Assert.False(rig.Controller.Initialized.IsCompleted);
        var rdsAck = await rig.PushAsync(XdsTypeUrls.RouteConfiguration, "2026-11-27T08:00:00Z/7", "rds-nonce-1", XdsProtos.Routes("9080", Eds));
        XdsTestRig.AssertAck(rdsAck, "2026-11-27T08:00:00Z/7", "rds-nonce-1");
        Assert.Equal(["9080"], rdsAck.ResourceNames);

        await rig.Controller.Initialized.WaitAsync(XdsTestRig.Bounded);
        Assert.True(rig.IsBound("http"));
        Assert.Equal(["active_state", "active_state"], DumpedListenerStates(rig, "http", "tcp"));
        Assert.Equal("reviews", await XdsTestRig.RoundTripAsync(tcpPort));
        Assert.Equal(
            ["CDS", "CDS", "EDS", "EDS", "LDS", "LDS", "RDS", "RDS"],
            rig.ControlPlane.AllRequests.Select(r => XdsTypeUrls.ShortName(r.Sotw!.TypeUrl)));
        Assert.Single(rig.ControlPlane.AllRequests, r => r.Sotw!.Node is not null);
    }

    // Which state each named listener is dumped under in /config_dump's dynamic_listeners.
    private static string[] DumpedListenerStates(XdsTestRig rig, params string[] names)
    {
        using var dump = JsonDocument.Parse(ConfigDumpRenderer.Render(rig.Bootstrap.Proto, DateTimeOffset.UtcNow, rig.Store.Dump()));
        var listeners = dump.RootElement.GetProperty("configs").EnumerateArray()
            .Single(c => c.GetProperty("@type").GetString() == "type.googleapis.com/envoy.admin.v3.ListenersConfigDump")
            .GetProperty("dynamic_listeners").EnumerateArray()
            .ToDictionary(l => l.GetProperty("name").GetString()!, l => l.EnumerateObject().Single(p => p.Name != "name").Name);
        return names.Select(n => listeners[n]).ToArray();
    }

    private static XdsResourceStatus Status(XdsTestRig rig, string typeUrl, string name) =>
        rig.Store.Dump().Types.Single(t => t.TypeUrl == typeUrl).Resources.Single(r => r.Name == name).Status;
}
