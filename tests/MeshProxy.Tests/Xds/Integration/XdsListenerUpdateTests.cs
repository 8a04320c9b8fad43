using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;

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

    private static byte[] PseudoRandom(int seed, int length)
    {
        var bytes = new byte[length];
        new PseudoRandomBytes((ulong)seed + 1).Fill(bytes);
        return bytes;
    }
}
