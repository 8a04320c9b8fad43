using System.Net;
using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Transport.Sockets;

namespace MeshProxy.LoadGen.Tcp;

/// <summary>Runs a one-listener tcp_proxy in this process until cancelled.</summary>
internal static class ProxyHost
{
    public static async Task RunAsync(IPEndPoint listen, IPEndPoint upstream, bool waitForData, CancellationToken cancellationToken)
    {
        var filter = new TcpProxyConfig(TcpProxyConfig.FilterName, "bench", "upstream", TcpProxyConfig.DefaultIdleTimeout);
        var listener = new ListenerConfig(
            "bench", new SocketAddressConfig(listen.Address, listen.Port), [new FilterChainConfig("default", [filter])],
            ListenerConfig.DefaultPerConnectionBufferLimitBytes, null);
        var cluster = new ClusterConfig(
            "upstream", ClusterDiscoveryType.Static, ClusterConfig.DefaultConnectTimeout, LbPolicy.RoundRobin,
            [new EndpointConfig(new SocketAddressConfig(upstream.Address, upstream.Port), 1, EndpointHealth.Healthy, 0, "")],
            ListenerConfig.DefaultPerConnectionBufferLimitBytes);
        await using var transport = new SocketTransport(waitForData: waitForData);
        await using var runtime = new ProxyRuntime(transport, new Serilog.LoggerConfiguration().CreateLogger());
        await runtime.ApplyAsync(ProxyConfig.Empty with { Listeners = [listener], Clusters = [cluster] }, cancellationToken);
        Console.WriteLine($"proxy pid {Environment.ProcessId} listening on {runtime.Listeners[0].EndPoint} -> {upstream}, " +
                          $"inline completions requested: {SocketRuntime.InlineCompletionsRequested}, zero-byte reads: {waitForData}");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Normal stop.
        }

        Console.WriteLine($"allocated {GC.GetTotalAllocatedBytes(precise: true)} bytes, gen0 collections {GC.CollectionCount(0)}, " +
                          $"working set {Environment.WorkingSet / (1024 * 1024)} MiB");
        foreach (var (name, value) in runtime.Stats.Snapshot())
        {
            Console.WriteLine($"{name}: {value}");
        }
    }
}
