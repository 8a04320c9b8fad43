using System.Net;
using System.Text.Json;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>What an operator sees: /config_dump's dynamic sections and the xDS stats, after ACKs and NACKs.</summary>
public sealed class XdsConfigDumpTests
{
    private const string Eds = "outbound|80||warming.default.svc.cluster.local";

    [Fact(Timeout = 30_000)]
    public async Task ConfigDump_AfterAcksAndNacks_ShowsVersionsAndLastRejectionAndStatsCount()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        var a = XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint);
        await rig.SyncAsync("1", [a], [XdsProtos.TcpListener("in", port, "a")]);
        var badCluster = XdsProtos.StaticCluster("bad", new IPEndPoint(IPAddress.Loopback, 1));
        badCluster.LoadAssignment.Endpoints[0].LbEndpoints[0].Endpoint.Address.SocketAddress.PortValue = 70000;
        var badListener = XdsProtos.TcpListener("in", port, "a");
        badListener.Address.SocketAddress.PortValue = 70000;

        var cdsNack = await rig.PushAsync(XdsTypeUrls.Cluster, "2", "cds-2", a, badCluster);
        var ldsNack = await rig.PushAsync(XdsTypeUrls.Listener, "2", "lds-2", badListener);

        Assert.NotNull(cdsNack.ErrorDetail);
        Assert.NotNull(ldsNack.ErrorDetail);
        using var dump = JsonDocument.Parse(ConfigDumpRenderer.Render(rig.Bootstrap.Proto, DateTimeOffset.UtcNow, rig.Store.Dump()));
        var clusters = Config(dump, "ClustersConfigDump");
        Assert.Equal("1", clusters.GetProperty("version_info").GetString());
        Assert.Equal(["a"], clusters.GetProperty("dynamic_active_clusters").EnumerateArray().Select(c => c.GetProperty("cluster").GetProperty("name").GetString()));
        Assert.Equal("2", clusters.GetProperty("last_update_rejected").GetProperty("version_info").GetString());
        Assert.Equal(cdsNack.ErrorDetail.Message, clusters.GetProperty("last_update_rejected").GetProperty("details").GetString());
        var listeners = Config(dump, "ListenersConfigDump");
        Assert.Equal("1", listeners.GetProperty("version_info").GetString());
        var listener = Assert.Single(listeners.GetProperty("dynamic_listeners").EnumerateArray());
        Assert.Equal("1", listener.GetProperty("active_state").GetProperty("version_info").GetString());
        Assert.Equal((uint)port, listener.GetProperty("active_state").GetProperty("listener").GetProperty("address").GetProperty("socket_address").GetProperty("port_value").GetUInt32());
        Assert.Equal(ldsNack.ErrorDetail.Message, listeners.GetProperty("last_update_rejected").GetProperty("details").GetString());

        Assert.Equal(1, rig.Counter("cluster_manager.cds.update_success"));
        Assert.Equal(1, rig.Counter("cluster_manager.cds.update_rejected"));
        Assert.Equal(1, rig.Counter("listener_manager.lds.update_success"));
        Assert.Equal(1, rig.Counter("listener_manager.lds.update_rejected"));
        Assert.Equal(1, rig.Gauge("control_plane.connected_state"));
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
    }

    [Fact(Timeout = 30_000)]
    public async Task ConfigDump_ResponseNackedByTheClient_CountsAsRejectedAndShowsTheDetail()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var a = XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint);
        await rig.SyncAsync("1", [a], [XdsProtos.TcpListener("in", XdsTestRig.FreePort(), "a")]);

        var nack = await rig.PushAsync(XdsTypeUrls.Cluster, "2", "cds-2", a, a);

        using var dump = JsonDocument.Parse(ConfigDumpRenderer.Render(rig.Bootstrap.Proto, DateTimeOffset.UtcNow, rig.Store.Dump()));
        var rejected = Config(dump, "ClustersConfigDump").GetProperty("last_update_rejected");
        Assert.Equal("2", rejected.GetProperty("version_info").GetString());
        Assert.Equal(nack.ErrorDetail.Message, rejected.GetProperty("details").GetString());
        Assert.Equal(1, rig.Counter("cluster_manager.cds.update_rejected"));
        Assert.Equal(1, rig.Counter("cluster_manager.cds.update_success"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ConfigDump_ClusterWaitingForEndpoints_IsWarmingUntilTheyArrive()
    {
        await using var rig = await XdsTestRig.StartAsync();
        await rig.NextRequestAsync(XdsTypeUrls.Cluster);
        var a = XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint);
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Cluster, "1", "cds-1", a, XdsProtos.EdsCluster(Eds, Eds)), "1", "cds-1");
        await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment);

        var clusters = Clusters(rig);
        Assert.Equal(["a"], Names(clusters, "dynamic_active_clusters"));
        Assert.Equal([Eds], Names(clusters, "dynamic_warming_clusters"));
        Assert.Equal(1, rig.Gauge("cluster_manager.warming_clusters"));

        XdsTestRig.AssertAck(
            await rig.PushAsync(XdsTypeUrls.ClusterLoadAssignment, "1", "eds-1", XdsProtos.Assignment(Eds, rig.Upstream("b").EndPoint)), "1", "eds-1");

        clusters = Clusters(rig);
        Assert.Equal(["a", Eds], Names(clusters, "dynamic_active_clusters"));
        Assert.Empty(Names(clusters, "dynamic_warming_clusters"));
        Assert.Equal(0, rig.Gauge("cluster_manager.warming_clusters"));
        Assert.Equal(1, rig.Counter($"cluster.{Eds}.update_success"));
    }

    private static JsonElement Clusters(XdsTestRig rig)
    {
        using var dump = JsonDocument.Parse(ConfigDumpRenderer.Render(rig.Bootstrap.Proto, DateTimeOffset.UtcNow, rig.Store.Dump()));
        return Config(dump, "ClustersConfigDump").Clone();
    }

    private static string[] Names(JsonElement clusters, string section) =>
        clusters.GetProperty(section).EnumerateArray().Select(c => c.GetProperty("cluster").GetProperty("name").GetString()!).ToArray();

    private static JsonElement Config(JsonDocument dump, string type) =>
        dump.RootElement.GetProperty("configs").EnumerateArray()
            .Single(c => c.GetProperty("@type").GetString() == "type.googleapis.com/envoy.admin.v3." + type);
}
