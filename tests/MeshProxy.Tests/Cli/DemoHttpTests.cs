using System.Diagnostics;
using MeshProxy.Demo;
using MeshProxy.Hosting;
using MeshProxy.Tests.Http.Conformance;
using MeshProxy.Tests.Support;
using Serilog.Core;

namespace MeshProxy.Tests.Cli;

/// <summary>
/// <c>meshproxy demo</c>'s HTTP listener, run in process on free ports (the fixed 10000/10080/9901 could clash with
/// another test run) and driven with the curl lines the demo prints.
/// </summary>
public sealed class DemoHttpTests
{
    [Fact(Timeout = 60_000)]
    public async Task Demo_HttpListener_RoutesAToA_BToB_AndSplitsTheRest()
    {
        var tcpPort = ProxyConfigs.UnusedLoopbackEndPoint().Port;
        var httpPort = ProxyConfigs.UnusedLoopbackEndPoint().Port;
        var adminPort = ProxyConfigs.UnusedLoopbackEndPoint().Port;
        var options = new HostOptions(Logger.None, new LoggingLevelSwitch(), static () => """{"configs":[]}""", null, 2);
        using var stop = new CancellationTokenSource();
        var demo = DemoCommand.RunAsync(options, stop.Token, tcpPort, adminPort, httpPort);
        try
        {
            var first = await FirstAnswerAsync($"http://127.0.0.1:{httpPort}/a", demo, TimeSpan.FromSeconds(10));
            Assert.Equal("hello from demo-upstream-a\n", first);

            var (exitB, outputB) = await Curl.RunAsync(["-sS", $"http://127.0.0.1:{httpPort}/b"]);
            Assert.True(exitB == 0, outputB);
            Assert.Equal("hello from demo-upstream-b\n", outputB);

            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            var a = 0;
            var b = 0;
            for (var i = 0; i < 200; i++)
            {
                var body = await client.GetStringAsync(new Uri($"http://127.0.0.1:{httpPort}/"));
                a += body.Contains("demo-upstream-a", StringComparison.Ordinal) ? 1 : 0;
                b += body.Contains("demo-upstream-b", StringComparison.Ordinal) ? 1 : 0;
            }

            // 80/20 over 200 requests: mean 40 for b, standard deviation 5.7.
            Assert.Equal(200, a + b);
            Assert.InRange(b, 15, 65);
        }
        finally
        {
            await stop.CancelAsync();
            Assert.Equal(0, await demo.WaitAsync(TimeSpan.FromSeconds(15)));
        }
    }

    /// <summary>curl until the demo's listeners (read from its LDS file) answer, bounded by <paramref name="within"/>.</summary>
    private static async Task<string> FirstAnswerAsync(string url, Task<int> demo, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        var last = "";
        while (watch.Elapsed < within)
        {
            if (demo.IsCompleted)
            {
                throw new InvalidOperationException($"the demo exited with {await demo} before answering");
            }

            var (exit, output) = await Curl.RunAsync(["-sS", "--fail", url]);
            if (exit == 0)
            {
                return output;
            }

            last = output;
            await Task.Delay(200);
        }

        throw new TimeoutException($"no answer from {url} within {within}; curl said: {last}");
    }
}
