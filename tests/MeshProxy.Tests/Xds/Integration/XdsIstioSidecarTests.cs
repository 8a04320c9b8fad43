using Envoy.Config.Listener.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Support;
using MeshProxy.Tests.Xds.Fixtures;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.State;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>What istiod sends a sidecar, pushed in istiod's order over ADS: everything ACKed and running.</summary>
public sealed class XdsIstioSidecarTests
{
    [Fact(Timeout = 30_000)]
    public async Task Ads_IstioSidecarConfig_EveryResponseAckedAndListenersActive()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var fixture = IstioFixture.Load();
        int outboundPort = XdsTestRig.FreePort(), inboundPort = XdsTestRig.FreePort();
        var listeners = OnLoopback(fixture.Listeners, ("virtualOutbound", outboundPort), ("virtualInbound", inboundPort));

        await rig.NextRequestAsync(XdsTypeUrls.Cluster);
        await PushAndAssertAckAsync(rig, fixture.Clusters);
        var eds = await rig.NextRequestAsync(XdsTypeUrls.ClusterLoadAssignment);
        Assert.Equal(["outbound|5432||postgres.db.svc.cluster.local", "outbound|8080||reviews.default.svc.cluster.local"], eds.ResourceNames);
        await PushAndAssertAckAsync(rig, fixture.Endpoints);
        await rig.NextRequestAsync(XdsTypeUrls.Listener);
        await PushAndAssertAckAsync(rig, listeners);
        Assert.Equal(["8080"], (await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration)).ResourceNames);
        await PushAndAssertAckAsync(rig, fixture.Routes);

        await rig.Controller.Initialized.WaitAsync(XdsTestRig.Bounded);
        Assert.Equal(
            ["virtualInbound", "virtualOutbound"],
            rig.Runtime.Listeners.Select(l => l.Name).Order(StringComparer.Ordinal));
        Assert.Equal(outboundPort, rig.Runtime.Listeners.Single(l => l.Name == "virtualOutbound").EndPoint.Port);
        var unbound = rig.Runtime.Config.Listeners.Where(l => !l.BindToPort).Select(l => l.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["0.0.0.0_8080", "10.96.0.10_5432"], unbound);
        Assert.All(rig.Store.Dump().Types.SelectMany(t => t.Resources), r => Assert.Equal(XdsResourceStatus.Active, r.Status));
        Assert.Equal(fixture.ClusterResources.Length, rig.Runtime.Config.Clusters.Length);
        Assert.Equal(0, rig.Gauge("listener_manager.total_listeners_warming"));
        Assert.Equal(0, rig.Gauge("cluster_manager.warming_clusters"));
        Assert.Equal(0, rig.Counter("listener_manager.lds.update_rejected") + rig.Counter("cluster_manager.cds.update_rejected"));
    }

    private static async Task PushAndAssertAckAsync(XdsTestRig rig, DiscoveryResponse response) =>
        XdsTestRig.AssertAck(await rig.PushAsync(response), response.VersionInfo, response.Nonce);

    // The fixture binds 0.0.0.0:15001/15006 as a pod would; tests bind loopback ports that are free.
    private static DiscoveryResponse OnLoopback(DiscoveryResponse listeners, params (string Name, int Port)[] moves)
    {
        var copy = listeners.Clone();
        for (var i = 0; i < copy.Resources.Count; i++)
        {
            var listener = copy.Resources[i].Unpack<Listener>();
            foreach (var (name, port) in moves.Where(m => m.Name == listener.Name))
            {
                listener.Address.SocketAddress.Address = "127.0.0.1";
                listener.Address.SocketAddress.PortValue = (uint)port;
                copy.Resources[i] = Any.Pack(listener);
            }
        }

        return copy;
    }
}
