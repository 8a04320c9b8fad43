using System.Collections.Immutable;
using System.Net;
using MeshProxy.Core.Config;

namespace MeshProxy.Tests.Support;

/// <summary>Builds small configs: one tcp_proxy listener in front of one STATIC cluster.</summary>
internal static class ProxyConfigs
{
    public const string ListenerName = "ingress";
    public const string ClusterName = "backend";
    public const string StatPrefix = "ingress_tcp";

    public static ProxyConfig TcpProxy(
        IPEndPoint upstream,
        IPAddress? listenAddress = null,
        TimeSpan? idleTimeout = null,
        TimeSpan? connectTimeout = null,
        uint bufferLimit = ListenerConfig.DefaultPerConnectionBufferLimitBytes,
        long? maxConnections = null,
        int listenPort = 0) =>
        TcpProxy(
            [new EndpointConfig(new SocketAddressConfig(upstream.Address, upstream.Port), 1, EndpointHealth.Healthy, 0, "")],
            listenAddress, idleTimeout, connectTimeout, bufferLimit, maxConnections, listenPort);

    public static ProxyConfig TcpProxy(
        ImmutableArray<EndpointConfig> endpoints,
        IPAddress? listenAddress = null,
        TimeSpan? idleTimeout = null,
        TimeSpan? connectTimeout = null,
        uint bufferLimit = ListenerConfig.DefaultPerConnectionBufferLimitBytes,
        long? maxConnections = null,
        int listenPort = 0)
    {
        var filter = new TcpProxyConfig(TcpProxyConfig.FilterName, StatPrefix, ClusterName, idleTimeout);
        var listener = new ListenerConfig(
            ListenerName,
            new SocketAddressConfig(listenAddress ?? IPAddress.Loopback, listenPort),
            [new FilterChainConfig("default", [filter])],
            bufferLimit,
            maxConnections);
        var cluster = new ClusterConfig(
            ClusterName,
            ClusterDiscoveryType.Static,
            connectTimeout ?? TimeSpan.FromSeconds(5),
            LbPolicy.RoundRobin,
            endpoints,
            bufferLimit);
        return ProxyConfig.Empty with { Listeners = [listener], Clusters = [cluster] };
    }

    public static EndpointConfig Endpoint(IPEndPoint endPoint, uint weight = 1, EndpointHealth health = EndpointHealth.Healthy, uint priority = 0) =>
        new(new SocketAddressConfig(endPoint.Address, endPoint.Port), weight, health, priority, "");

    // Sockets holding the ports RefusingLoopbackEndPoint handed out, until the test run ends.
    private static readonly System.Collections.Concurrent.ConcurrentBag<System.Net.Sockets.Socket> RefusingSockets = [];

    /// <summary>
    /// A loopback endpoint that refuses connections for the rest of the run: a socket stays bound to it and never
    /// listens, so connects get a reset and no other test's listener can take the port. A dead upstream needs this:
    /// a port that was merely free when picked (<see cref="UnusedLoopbackEndPoint"/>) was once taken by a test running
    /// in parallel, and the "refused" upstream answered 503 overflow.
    /// </summary>
    public static IPEndPoint RefusingLoopbackEndPoint()
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        RefusingSockets.Add(socket);
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    // Below Linux's ephemeral range (32768-60999), which every port-0 listener and every outgoing connection of the
    // run draws from, and above the fixed ports of the demo and of benchmarks/e2e (18080-18091).
    private const int UnusedPortFloor = 20_000;
    private const int UnusedPortCount = 12_000;
    private static int s_unusedPortCursor = Random.Shared.Next(UnusedPortCount);

    /// <summary>
    /// A loopback port with nothing listening, for a listener the test binds itself later. Taken from below the
    /// ephemeral range, each port once per run and checked free by a bind: a port-0 pick (bound, then released) sat in
    /// the range the kernel hands every parallel test's listener and connection, and one could take it in between.
    /// </summary>
    public static IPEndPoint UnusedLoopbackEndPoint()
    {
        for (var attempt = 0; attempt < UnusedPortCount; attempt++)
        {
            var port = UnusedPortFloor + (Interlocked.Increment(ref s_unusedPortCursor) % UnusedPortCount);
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return new IPEndPoint(IPAddress.Loopback, port);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // In use by something outside this run: try the next one.
            }
        }

        throw new InvalidOperationException($"no free loopback port in {UnusedPortFloor}-{UnusedPortFloor + UnusedPortCount - 1}");
    }
}
