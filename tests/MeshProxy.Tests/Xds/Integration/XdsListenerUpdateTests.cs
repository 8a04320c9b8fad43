using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>A listener changed over LDS: connections already open finish on the config they started with.</summary>
public sealed class XdsListenerUpdateTests
{
    [Fact(Timeout = 30_000)]
    public async Task Lds_ListenerUpdatedWhileConnectionsOpen_OldConnectionsFinishAndNewOnesUseTheNewCluster()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        var clusters = new[] { XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint), XdsProtos.StaticCluster("b", rig.Upstream("b").EndPoint) };
        await rig.SyncAsync("1", clusters, [XdsProtos.TcpListener("in", port, "a")]);
        var open = new List<Conversation>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                open.Add(await Conversation.OpenAsync(port));
                await open[^1].EchoAsync(PseudoRandom(i, 1000));
            }

            XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Listener, "2", "lds-2", XdsProtos.TcpListener("in", port, "b")), "2", "lds-2");

            Assert.All(open, c => Assert.Equal("a", c.Upstream));
            for (var i = 0; i < open.Count; i++)
            {
                await open[i].EchoAsync(PseudoRandom(100 + i, 256 * 1024));
            }

            Assert.Equal("b", await XdsTestRig.RoundTripAsync(port));
            foreach (var conversation in open)
            {
                await conversation.FinishAsync();
            }
        }
        finally
        {
            open.ForEach(c => c.Dispose());
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Lds_ListenerSwitchedToANewRouteName_KeepsTheOldRoutesUntilTheNewOnesArrive()
    {
        await using var rig = await XdsTestRig.StartAsync();
        var port = XdsTestRig.FreePort();
        await rig.SyncAsync("1", [XdsProtos.StaticCluster("a", rig.Upstream("a").EndPoint)], [XdsProtos.HttpListener("http", port, "8080")]);
        await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration);
        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.RouteConfiguration, "1", "rds-1", XdsProtos.Routes("8080", "a")), "1", "rds-1");

        XdsTestRig.AssertAck(await rig.PushAsync(XdsTypeUrls.Listener, "2", "lds-2", XdsProtos.HttpListener("http", port, "9090")), "2", "lds-2");

        // The previous version serves while the new one warms: its route table stays subscribed and in the runtime.
        Assert.Equal(["8080", "9090"], (await rig.NextRequestAsync(XdsTypeUrls.RouteConfiguration)).ResourceNames);
        Assert.Equal(["8080"], RuntimeRouteNames(rig));
        Assert.Equal(["8080"], rig.Runtime.Config.Routes.Select(r => r.Name));
        Assert.True(rig.IsBound("http"));

        var ack = await rig.PushAsync(XdsTypeUrls.RouteConfiguration, "2", "rds-2", XdsProtos.Routes("9090", "a"));

        XdsTestRig.AssertAck(ack, "2", "rds-2");
        Assert.Equal(["9090"], ack.ResourceNames);
        Assert.Equal(["9090"], RuntimeRouteNames(rig));
        Assert.Equal(["9090"], rig.Runtime.Config.Routes.Select(r => r.Name));
    }

    private static string[] RuntimeRouteNames(XdsTestRig rig) =>
        [.. XdsReferences.ReferencedRouteNames(rig.Runtime.Config.Listeners.Single(l => l.Name == "http"))];

    private static byte[] PseudoRandom(int seed, int length)
    {
        var bytes = new byte[length];
        new PseudoRandomBytes((ulong)seed + 1).Fill(bytes);
        return bytes;
    }
}
