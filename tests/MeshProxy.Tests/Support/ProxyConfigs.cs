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

    /// <summary>A loopback port with nothing listening (bound, then released).</summary>
    public static IPEndPoint UnusedLoopbackEndPoint()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }
}
