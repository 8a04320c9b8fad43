using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.State;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>initial_fetch_timeout: what never arrives does not hold the proxy back for ever.</summary>
public sealed class XdsWarmingTests
{
    private const string Eds = "outbound|80||silent.default.svc.cluster.local";

    [Fact(Timeout = 30_000)]
    public async Task Ads_EndpointsAndRoutesNeverArrive_FetchTimeoutsReleaseListenersAndInitialization()
    {
        await using var rig = await XdsTestRig.StartAsync(initialFetchTimeout: "0.3s");
        int tcpPort = XdsTestRig.FreePort(), httpPort = XdsTestRig.FreePort();
        await rig.NextRequestAsync(XdsTypeUrls.Cluster);
        XdsTestRig.AssertAck(
            await rig.PushAsync(XdsTypeUrls.Cluster, "1", "cds-1", XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint), XdsProtos.EdsCluster(Eds, Eds)),
            "1", "cds-1");
        await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment);

        // No EDS answer: LDS is requested once the endpoints' fetch times out, and the cluster serves without endpoints.
        await rig.NextRequestAsync(XdsTypeUrls.Listener);
        await XdsTestRig.WaitUntilAsync(() => rig.Gauge("cluster_manager.warming_clusters") == 0, "the EDS cluster warmed by timeout");
        XdsTestRig.AssertAck(
            await rig.PushAsync(XdsTypeUrls.Listener, "1", "lds-1", XdsProtos.TcpListener("tcp", tcpPort, "a"), XdsProtos.HttpListener("http", httpPort, "never")),
            "1", "lds-1");
        await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration);

        // No RDS answer either (whether "http" waits first is timing here; XdsInitialSyncTests checks that it does).

        await rig.Controller.Initialized.WaitAsync(XdsTestRig.Bounded);
        await XdsTestRig.WaitUntilAsync(() => rig.IsBound("http"), "the listener active by timeout");
        Assert.All(rig.Store.Dump().Types.SelectMany(t => t.Resources), r => Assert.Equal(XdsResourceStatus.Active, r.Status));
        Assert.Contains(rig.Runtime.Config.Clusters, c => c.Name == Eds && c.Endpoints.IsEmpty);
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(tcpPort));
    }
}
