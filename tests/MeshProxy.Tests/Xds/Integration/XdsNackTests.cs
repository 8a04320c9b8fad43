using System.Net;
using System.Net.Sockets;
using Envoy.Config.Route.V3;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using Google.Protobuf.WellKnownTypes;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>Invalid updates are NACKed with a useful error_detail while traffic keeps flowing on the last good config.</summary>
public sealed class XdsNackTests
{
    [Fact(Timeout = 30_000)]
    public async Task Lds_ListenerOnPort70000_NackedWithDetailAndTrafficKeepsFlowing()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        await rig.SyncAsync("1", [XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint)], [XdsProtos.TcpListener("in", port, "a")]);
        using var open = await Conversation.OpenAsync(port);
        await open.EchoAsync("before the NACK");

        var bad = XdsProtos.TcpListener("bad", 1, "a");
        bad.Address.SocketAddress.PortValue = 70000;
        var nack = await rig.PushAsync(XdsTypeUrls.Listener, "2", "lds-2", XdsProtos.TcpListener("in", port, "a"), bad);

        XdsTestRig.AssertNack(nack, "1", "lds-2", "LDS 'bad': address.socket_address.port_value: 70000 is not a valid port (0-65535)");
        await open.EchoAsync("after the NACK, on the connection opened before");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
        Assert.Equal(["in"], rig.Runtime.Listeners.Select(l => l.Name));
    }

    [Fact(Timeout = 30_000)]
    public async Task Lds_ListenerOnAPortTakenByAnotherProcess_NackedNamingItWhileTheOthersApply()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        using var squatter = new Socket(SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var taken = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        await rig.SyncAsync("1", [XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint)], [XdsProtos.TcpListener("in", port, "a")]);

        var newPort = XdsTestRig.FreePort();
        var nack = await rig.PushAsync(
            XdsTypeUrls.Listener, "2", "lds-2",
            XdsProtos.TcpListener("in", port, "a"), XdsProtos.TcpListener("taken", taken, "a"), XdsProtos.TcpListener("new", newPort, "a"));

        Assert.Equal("1", nack.VersionInfo);
        Assert.Contains("'taken'", nack.ErrorDetail?.Message);
        Assert.Contains($"127.0.0.1:{taken}", nack.ErrorDetail?.Message);
        Assert.DoesNotContain("'new'", nack.ErrorDetail?.Message);
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(newPort));
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
        Assert.Equal(["in", "new"], rig.Runtime.Listeners.Select(l => l.Name).Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task Cds_SameClusterNamedTwice_NackedWithDetailAndTrafficKeepsFlowing()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        var a = rig.Upstream("a");
        await rig.SyncAsync("1", [XdsProtos.StaticCluster("a", a.EndPoint)], [XdsProtos.TcpListener("in", port, "a")]);
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));

        var nack = await rig.PushAsync(
            XdsTypeUrls.Cluster, "2", "cds-2", XdsProtos.StaticCluster("a", rig.Upstream("b").EndPoint), XdsProtos.StaticCluster("a", a.EndPoint));

        XdsTestRig.AssertNack(nack, "1", "cds-2", "resources[1] 'a': duplicate resource name in one response");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
        Assert.Equal(1, rig.Counter("cluster_manager.cds.update_success"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Lds_ResourceOfAnotherType_NackedWithDetailAndTrafficKeepsFlowing()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        await rig.SyncAsync("1", [XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint)], [XdsProtos.TcpListener("in", port, "a")]);

        var response = FakeControlPlane.SotwResponse(XdsTypeUrls.Listener, "2", "lds-2", XdsProtos.TcpListener("in", port, "a"));
        response.Resources.Add(Any.Pack(XdsProtos.StaticCluster("sneaky")));
        var nack = await rig.PushAsync(response);

        XdsTestRig.AssertNack(
            nack, "1", "lds-2",
            $"resources[1] 'sneaky': type URL '{XdsTypeUrls.Cluster}' differs from the response type URL '{XdsTypeUrls.Listener}'");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(port));
    }

    [Fact(Timeout = 30_000)]
    public async Task Rds_WeightedClustersSummingToZero_NackedWithDetailAndTrafficKeepsFlowing()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var tcpPort = XdsTestRig.FreePort();
        var httpPort = XdsTestRig.FreePort();
        await rig.SyncAsync(
            "1",
            [XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint)],
            [XdsProtos.TcpListener("tcp", tcpPort, "a"), XdsProtos.HttpListener("http", httpPort, "8080")]);
        var subscribe = await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration);
        Assert.Equal(["8080"], subscribe.ResourceNames);
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.RouteConfiguration, "1", "rds-1", XdsProtos.Routes("8080", "a")), "1", "rds-1");
        using var open = await Conversation.OpenAsync(tcpPort);

        var zero = XdsProtos.Routes("8080", "a");
        zero.VirtualHosts[0].Routes[0].Route_ = new RouteAction
        {
            WeightedClusters = new WeightedCluster
            {
                Clusters =
                {
                    new WeightedCluster.Types.ClusterWeight { Name = "a", Weight = 0 },
                    new WeightedCluster.Types.ClusterWeight { Name = "b", Weight = 0 },
                },
            },
        };
        var nack = await rig.PushAsync(XdsTypeUrls.RouteConfiguration, "2", "rds-2", zero);

        Assert.Equal("1", nack.VersionInfo);
        Assert.Equal(["8080"], nack.ResourceNames);
        Assert.Equal("RDS '8080': virtual_hosts[0].routes[0].route.weighted_clusters: total weight is 0", nack.ErrorDetail?.Message);
        await open.EchoAsync("after the RDS NACK");
        Assert.Equal("a", await XdsTestRig.RoundTripAsync(tcpPort));
        Assert.True(rig.IsBound("http"));
    }
}
