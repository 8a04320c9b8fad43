using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Admin;

/// <summary>
/// Runs the real <c>meshproxy</c> on a bootstrap file: traffic through its tcp_proxy listener, every admin path,
/// and a graceful exit on SIGTERM. HttpClient is the admin's peer.
/// </summary>
public sealed class MeshProxyServeTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("meshproxy-serve-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private TestUpstream? _upstream;
    private Process? _process;
    private readonly StringBuilder _stderr = new();
    private int _listenerPort;
    private int _adminPort;

    public async Task InitializeAsync()
    {
        _upstream = TestUpstream.Echo();
        _listenerPort = FreePort();
        _adminPort = FreePort();
        var yaml = $$"""
            admin:
              address: { socket_address: { address: 127.0.0.1, port_value: {{_adminPort}} } }
            static_resources:
              listeners:
              - name: serve_test
                address: { socket_address: { address: 127.0.0.1, port_value: {{_listenerPort}} } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: serve_test
                      cluster: echo
              clusters:
              - name: echo
                type: STATIC
                connect_timeout: 1s
                load_assignment:
                  cluster_name: echo
                  endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{_upstream.EndPoint.Port}} } } } } ] } ]
            """;
        var path = Path.Combine(_directory, "bootstrap.yaml");
        await File.WriteAllTextAsync(path, yaml);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "meshproxy.dll"));
        foreach (var arg in new[] { "-c", path, "--log-level", "info" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) => { lock (_stderr) { _stderr.AppendLine(e.Data); } };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var ready = await _http.GetAsync(Admin("/ready"));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.False(_process.HasExited, $"meshproxy exited early: {StdErr()}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"meshproxy not ready in 30 s: {StdErr()}");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Serve_TrafficAdminAndSigterm_BehaveLikeEnvoy()
    {
        // Traffic through the listener reaches the echo upstream and comes back.
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _listenerPort));
            var payload = Encoding.ASCII.GetBytes("ping through meshproxy");
            await client.SendAsync(payload);
            client.Shutdown(SocketShutdown.Send);
            var received = new MemoryStream();
            var buffer = new byte[1024];
            int read;
            while ((read = await client.ReceiveAsync(buffer)) > 0)
            {
                received.Write(buffer, 0, read);
            }

            Assert.Equal(payload, received.ToArray());
        }

        Assert.Equal("LIVE\n", await _http.GetStringAsync(Admin("/ready")));

        // Counters settle once the proxied connection is torn down on both sides.
        var statsDeadline = Stopwatch.StartNew();
        string stats;
        do
        {
            stats = await _http.GetStringAsync(Admin("/stats"));
        }
        while (!stats.Contains("cluster.echo.upstream_cx_total: 1\n", StringComparison.Ordinal) && statsDeadline.Elapsed < TimeSpan.FromSeconds(5));

        Assert.Contains("cluster.echo.upstream_cx_total: 1\n", stats, StringComparison.Ordinal);
        Assert.Contains($"listener.127.0.0.1_{_listenerPort}.downstream_cx_total: 1\n", stats, StringComparison.Ordinal);
        Assert.Contains("tcp.serve_test.downstream_cx_rx_bytes_total: 22\n", stats, StringComparison.Ordinal);

        var filtered = await _http.GetStringAsync(Admin("/stats?filter=%5Ecluster%5C.echo%5C."));
        Assert.All(filtered.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("cluster.echo.", line, StringComparison.Ordinal));

        using (var json = JsonDocument.Parse(await _http.GetStringAsync(Admin("/stats?format=json"))))
        {
            Assert.Contains(json.RootElement.GetProperty("stats").EnumerateArray(), s => s.GetProperty("name").GetString() == "cluster.echo.upstream_cx_total");
        }

        using (var dump = JsonDocument.Parse(await _http.GetStringAsync(Admin("/config_dump"))))
        {
            Assert.Contains("serve_test", dump.RootElement.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Contains($"serve_test::127.0.0.1:{_listenerPort}", await _http.GetStringAsync(Admin("/listeners")), StringComparison.Ordinal);

        using (var memory = JsonDocument.Parse(await _http.GetStringAsync(Admin("/memory"))))
        {
            var root = memory.RootElement;
            Assert.True(long.Parse(root.GetProperty("heap_size").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.True(root.GetProperty("gc_gen2_collections").GetInt32() >= 1); // the compaction before ready
            var generations = root.GetProperty("gc_generations").EnumerateArray().ToList();
            Assert.Equal(["gen0", "gen1", "gen2", "loh", "poh"], generations.Select(g => g.GetProperty("generation").GetString()));
            Assert.True(generations[2].GetProperty("size_after_bytes").GetInt64() > 0); // start-up's survivors live in gen2

            // The GC's settings as it resolved them (the shipped binary bakes its gen0 and region sizes in).
            var gcConfig = root.GetProperty("gc_config");
            Assert.True(long.Parse(gcConfig.GetProperty("GCGen0MaxBudget").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.Equal(bool.FalseString, gcConfig.GetProperty("ServerGC").GetString());
        }

        using (var getLogging = await _http.GetAsync(Admin("/logging?level=debug")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, getLogging.StatusCode);
        }

        using (var setLogging = await _http.PostAsync(Admin("/logging?level=debug"), content: null))
        {
            Assert.Equal(HttpStatusCode.OK, setLogging.StatusCode);
            Assert.Contains("meshproxy: debug", await setLogging.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var badLevel = await _http.PostAsync(Admin("/logging?level=loud"), content: null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badLevel.StatusCode);
        }

        using (var missing = await _http.GetAsync(Admin("/nope")))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // SIGTERM: a graceful stop with exit code 0, as Envoy does.
        using (var kill = Process.Start("kill", ["-TERM", _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(exit.Token);
        Assert.Equal(0, _process.ExitCode);
        Assert.Contains("Shutting down", StdErr(), StringComparison.Ordinal);
    }

    public void Dispose() => _http.Dispose();

    private Uri Admin(string pathAndQuery) => new($"http://127.0.0.1:{_adminPort}{pathAndQuery}");

    private string StdErr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
