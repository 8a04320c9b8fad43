using System.Net;
using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Transport;
using Serilog.Core;

namespace MeshProxy.Benchmarks;

/// <summary>A ProxyRuntime with one tcp_proxy listener on an ephemeral loopback port in front of one upstream.</summary>
internal static class TcpProxyBenchRuntime
{
    /// <summary>Starts the runtime on <paramref name="transport"/>; returns it and the listener's endpoint.</summary>
    public static (ProxyRuntime Runtime, IPEndPoint Listener) Start(ITransport transport, IPEndPoint upstream, string clusterName)
    {
        var runtime = new ProxyRuntime(transport, Logger.None);
        var listener = new ListenerConfig(
            "bench",
            new SocketAddressConfig(IPAddress.Loopback, 0),
            [new FilterChainConfig("default", [new TcpProxyConfig(TcpProxyConfig.FilterName, "bench", clusterName, null)])],
            ListenerConfig.DefaultPerConnectionBufferLimitBytes,
            null);
        var cluster = new ClusterConfig(
            clusterName, ClusterDiscoveryType.Static, TimeSpan.FromSeconds(1), LbPolicy.RoundRobin,
            [new EndpointConfig(new SocketAddressConfig(upstream.Address, upstream.Port), 1, EndpointHealth.Healthy, 0, string.Empty)],
            ListenerConfig.DefaultPerConnectionBufferLimitBytes);
        var result = runtime.ApplyAsync(ProxyConfig.Empty with { Listeners = [listener], Clusters = [cluster] }).GetAwaiter().GetResult();
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(result.ToString());
        }

        return (runtime, runtime.Listeners[0].EndPoint);
    }
}
