using System.Diagnostics;
using System.Net;
using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Transport;

namespace MeshProxy.Tests.Support;

/// <summary>A running <see cref="ProxyRuntime"/> over a recording transport, and what tests ask of it.</summary>
internal sealed class ProxyHarness : IAsyncDisposable
{
    private ProxyHarness(ProxyRuntime runtime, RecordingTransport transport)
    {
        Runtime = runtime;
        Transport = transport;
    }

    public ProxyRuntime Runtime { get; }

    public RecordingTransport Transport { get; }

    public IPEndPoint EndPoint => Runtime.Listeners[0].EndPoint;

    public StatsStore Stats => Runtime.Stats;

    public string ListenerPrefix => "listener." + StatsStore.AddressForStatName(EndPoint) + ".";

    public static async Task<ProxyHarness> StartAsync(
        ITransport transport,
        ProxyConfig config,
        TimeSpan? heartbeat = null,
        ProxyRuntimeOptions? options = null,
        MeshProxy.Core.Upstream.IDnsResolver? dnsResolver = null)
    {
        var recording = new RecordingTransport(transport);
        var runtime = new ProxyRuntime(recording, Serilog.Core.Logger.None, null, heartbeat ?? TimeSpan.FromMilliseconds(50), options, dnsResolver);
        await runtime.ApplyAsync(config);
        return new ProxyHarness(runtime, recording);
    }

    public long Counter(string name) => Stats.GetCounter(name).Value;

    public long Gauge(string name) => Stats.GetGauge(name).Value;

    public long Cluster(string stat) => Counter("cluster." + ProxyConfigs.ClusterName + "." + stat);

    public long Tcp(string stat) => Counter("tcp." + ProxyConfigs.StatPrefix + "." + stat);

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await Transport.DisposeAsync();
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException("timed out waiting for: " + what);
            }

            await Task.Delay(10);
        }
    }
}
