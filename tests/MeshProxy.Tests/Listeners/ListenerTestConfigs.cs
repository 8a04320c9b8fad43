using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Core.Config;
using MeshProxy.Core.Transport;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Listeners;

/// <summary>Small xDS-shaped configs (Istio's listener layout) for the listener runtime tests.</summary>
internal static class ListenerTestConfigs
{
    public static ClusterConfig Cluster(string name, IPEndPoint endPoint) =>
        new(name, ClusterDiscoveryType.Static, TimeSpan.FromSeconds(5), LbPolicy.RoundRobin, [ProxyConfigs.Endpoint(endPoint)], ListenerConfig.DefaultPerConnectionBufferLimitBytes);

    public static FilterChainConfig TcpChain(string name, string cluster, FilterChainMatchConfig? match = null) =>
        new(name, [new TcpProxyConfig(TcpProxyConfig.FilterName, name, cluster, null)]) { Match = match ?? FilterChainMatchConfig.Any };

    public static ListenerConfig Listener(string name, string address, params FilterChainConfig[] chains)
    {
        var endPoint = IPEndPoint.Parse(address);
        return new ListenerConfig(name, new SocketAddressConfig(endPoint.Address, endPoint.Port), [.. chains], ListenerConfig.DefaultPerConnectionBufferLimitBytes, null);
    }

    public static ListenerFilterConfig Filter(ListenerFilterKind kind) => new(kind.ToString(), kind);

    /// <summary>An upstream that answers "TAG:" and then echoes until EOF, so a test sees which cluster served it.</summary>
    public static TestUpstream TaggedEcho(string tag) => new(async socket =>
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(tag + ":"), SocketFlags.None);
        var buffer = new byte[64 * 1024];
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

    /// <summary>Sends, half-closes, and returns everything the other side sent back.</summary>
    public static async Task<string> ExchangeAsync(Socket client, string payload)
    {
        var receive = client.ReceiveToEndAsync();
        await client.SendAsync(Encoding.Latin1.GetBytes(payload), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);
        return Encoding.Latin1.GetString(await receive.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}

/// <summary>The original_dst seam: tests say which "pre-NAT" destination a client connection had.</summary>
internal sealed class FakeOriginalDestinations : IOriginalDestinationSource
{
    private readonly ConcurrentDictionary<int, IPEndPoint> _byClientPort = new();

    public IPEndPoint? GetOriginalDestination(TransportConnection connection) =>
        _byClientPort.TryGetValue(((IPEndPoint)connection.RemoteEndPoint).Port, out var destination) ? destination : null;

    /// <summary>Connects to <paramref name="proxy"/> as if the client had dialled <paramref name="originalDestination"/>.</summary>
    public async Task<Socket> ConnectAsync(IPEndPoint proxy, string? originalDestination)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        if (originalDestination is not null)
        {
            _byClientPort[((IPEndPoint)socket.LocalEndPoint!).Port] = IPEndPoint.Parse(originalDestination);
        }

        await socket.ConnectAsync(proxy);
        return socket;
    }
}
