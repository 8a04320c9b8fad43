using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>Upgrades through the proxy: a WebSocket session to Kestrel, and a CONNECT tunnel to a TCP echo server.</summary>
public sealed class UpgradeConformanceTests(ConformanceUpstreams upstreams) : IClassFixture<ConformanceUpstreams>
{
    private const string Hcm = """
        upgrade_configs:
        - upgrade_type: websocket
        - upgrade_type: CONNECT
        """;

    private const string Routes = """
        virtual_hosts:
        - name: upgrades
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route: { cluster: a, timeout: 0s }
        """;

    // Envoy routes CONNECT only by connect_matcher (prefix routes never match it).
    private const string ConnectRoutes = """
        virtual_hosts:
        - name: tunnels
          domains: ["*"]
          routes:
          - match: { connect_matcher: {} }
            route: { cluster: tunnel }
        """;

    [Fact(Timeout = 20_000)]
    public async Task WebSocket_EchoSession_MessagesRoundTripAndCloseCleanly()
    {
        await using var echo = TestUpstream.Echo();
        await using var rig = await StartAsync(echo);
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{rig.EndPoint.Port}/ws"), timeout.Token);

        var binary = new byte[100_000];
        new PseudoRandomBytes(5).Fill(binary);
        foreach (var (payload, type) in new[]
        {
            (Encoding.UTF8.GetBytes("hello through meshproxy"), WebSocketMessageType.Text),
            (binary, WebSocketMessageType.Binary),
            (Encoding.UTF8.GetBytes("again"), WebSocketMessageType.Text),
        })
        {
            await socket.SendAsync(payload, type, endOfMessage: true, timeout.Token);
            var received = await ReceiveMessageAsync(socket, timeout.Token);
            Assert.Equal(type, received.Type);
            Assert.Equal(payload, received.Data);
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact(Timeout = 20_000)]
    public async Task WebSocketUpgrade_RefusedByUpstream_ConnectionStaysHttp()
    {
        // The upstream answers 409 instead of 101: that answer must come back and the connection serve further requests.
        await using var echo = TestUpstream.Echo();
        await using var rig = await StartAsync(echo);
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync(
            "GET /status/409 HTTP/1.1\r\nHost: edge.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var refused = await raw.ReadResponseAsync();
        Assert.Equal(409, refused.Status);
        Assert.Equal("a", refused.Header("x-upstream"));
        if (refused.Header("connection") is not { } connection || !connection.Contains("close", StringComparison.OrdinalIgnoreCase))
        {
            await raw.SendAsync("GET /after-refused-upgrade HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            Assert.Equal("/after-refused-upgrade", UpstreamEcho.Parse((await raw.ReadResponseAsync()).BodyText).Target);
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_TunnelToTcpEcho_BytesFlowBothWays()
    {
        // Envoy with upgrade_type CONNECT and no route connect_config forwards the CONNECT upstream as an HTTP/1.1
        // CONNECT and tunnels after the upstream's 2xx. So the upstream is a CONNECT proxy in front of a TCP echo: a bare
        // TCP echo would send the CONNECT head straight back, which is no HTTP response (Envoy answers that with an error).
        var heads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var tunnel = ConnectThenEcho(heads);
        await using var rig = await StartAsync(tunnel, ConnectRoutes);
        using var raw = await rig.ConnectRawAsync();
        var authority = "db.internal:5432";
        await raw.SendAsync($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");

        var response = await raw.ReadResponseAsync(headRequest: true);
        Assert.Equal(200, response.Status);
        Assert.True(heads.TryPeek(out var head));
        Assert.StartsWith($"CONNECT {authority} HTTP/1.1\r\n", head, StringComparison.Ordinal);

        foreach (var text in new[] { "opaque bytes through the tunnel", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", "and back again" })
        {
            var payload = Encoding.ASCII.GetBytes(text);
            await raw.SendAsync(payload);
            Assert.Equal(payload, await raw.Socket.ReceiveExactlyAsync(payload.Length).WaitAsync(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task Connect_WithoutConnectMatcherRoute_IsNotRouted()
    {
        // Envoy: a prefix "/" route does not take CONNECT (authority-form target, no path): 404 NR, nothing upstream.
        await using var echo = TestUpstream.Echo();
        await using var rig = await StartAsync(echo);
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n");

        var response = await raw.ReadResponseAsync(headRequest: true);
        Assert.Equal(404, response.Status);
        Assert.Equal(0, echo.AcceptedCount);
    }

    /// <summary>An upstream HTTP CONNECT proxy in front of an echo: reads the request head, answers 200, then echoes bytes.</summary>
    private static TestUpstream ConnectThenEcho(System.Collections.Concurrent.ConcurrentQueue<string> heads) => new(async socket =>
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        int end;
        while ((end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            if (read == 0)
            {
                return;
            }

            filled += read;
        }

        heads.Enqueue(Encoding.ASCII.GetString(buffer, 0, end + 4));
        await socket.SendAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), SocketFlags.None);
        if (filled > end + 4)
        {
            await socket.SendAsync(buffer.AsMemory(end + 4, filled - end - 4), SocketFlags.None);
        }

        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        }

        socket.Shutdown(SocketShutdown.Send);
    });

    private Task<HttpProxyRig> StartAsync(TestUpstream tunnel, string routes = Routes) =>
        HttpProxyRig.StartAsync(routes, [.. upstreams.Clusters, ProxyYaml.Cluster("tunnel", tunnel.EndPoint)], Hcm);

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, data.ToArray());
            }
        }
    }
}
