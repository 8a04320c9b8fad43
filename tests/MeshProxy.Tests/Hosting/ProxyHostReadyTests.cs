using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MeshProxy.Hosting;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Bootstrap;
using Serilog.Core;

namespace MeshProxy.Tests.Hosting;

/// <summary>
/// <c>/ready</c> of a proxy whose configuration comes over ADS: never LIVE before the first round is in. Alone, with
/// the other tests of process-wide GC modes: the host opens its initial-fetch GC window in this process.
/// </summary>
[Collection(ProcessWideGcMode.Name)]
public sealed class ProxyHostReadyTests
{
    [Fact(Timeout = 30_000)]
    public async Task AdsThatNeverAnswers_ReadyIsPreInitializingFromTheFirstProbe()
    {
        // The control plane accepts the TCP connection (the backlog does) and never says a word.
        using var silentControlPlane = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silentControlPlane.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silentControlPlane.Listen(8);
        var adminPort = ProxyConfigs.UnusedLoopbackEndPoint().Port;
        var loaded = BootstrapLoader.LoadText(
            $$"""
            node: { id: ready-test, cluster: test }
            admin: { address: { socket_address: { address: 127.0.0.1, port_value: {{adminPort}} } } }
            dynamic_resources:
              ads_config:
                api_type: GRPC
                transport_api_version: V3
                grpc_services: [ { envoy_grpc: { cluster_name: xds } } ]
              cds_config: { ads: {}, resource_api_version: V3 }
              lds_config: { ads: {}, resource_api_version: V3 }
            static_resources:
              clusters:
              - name: xds
                type: STATIC
                connect_timeout: 1s
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    explicit_http_config: { http2_protocol_options: {} }
                load_assignment:
                  cluster_name: xds
                  endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{((IPEndPoint)silentControlPlane.LocalEndPoint!).Port}} } } } } ] } ]
            """,
            BootstrapFormat.Yaml);
        var options = new HostOptions(Logger.None, new LoggingLevelSwitch(), static () => """{"configs":[]}""", null, 1);
        using var stop = new CancellationTokenSource();

        // Probe from before the start, as fast as the admin port answers, so the first answer it ever gives is seen.
        var probing = Task.Run(async () =>
        {
            var answers = new List<string>();
            var windowOpen = false;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(1))
            {
                var answer = await ProbeReadyAsync(adminPort);
                if (answer is not null)
                {
                    windowOpen |= InitialFetchGcWindow.IsOpen; // not at the first answer: admin binds before xDS starts
                    answers.Add(answer);
                }
            }

            return (answers, windowOpen);
        });
        var host = Task.Run(() => ProxyHost.RunAsync(loaded, options, stop.Token));

        var (seen, windowOpen) = await probing;
        await stop.CancelAsync();
        Assert.Equal(0, await host.WaitAsync(TimeSpan.FromSeconds(15)));

        // The fetch never came in; stopping the host closes the GC window it opened (no collections held off after).
        var closing = Stopwatch.StartNew();
        while (InitialFetchGcWindow.IsOpen && closing.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(10);
        }

        Assert.False(InitialFetchGcWindow.IsOpen);

        Assert.NotEmpty(seen);
        Assert.True(windowOpen, "the initial-fetch GC window was not open while the fetch was pending");
        Assert.All(seen, answer => Assert.StartsWith("HTTP/1.1 503", answer, StringComparison.Ordinal));
        Assert.All(seen, answer => Assert.EndsWith("PRE_INITIALIZING\n", answer, StringComparison.Ordinal));
    }

    /// <summary>One raw GET /ready; null when nothing listens yet.</summary>
    private static async Task<string?> ProbeReadyAsync(int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException)
        {
            return null;
        }

        await client.SendAsync("GET /ready HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None);
        using var reader = new StreamReader(new NetworkStream(client, ownsSocket: false));
        return await reader.ReadToEndAsync();
    }
}
