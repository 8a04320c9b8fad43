using System.Diagnostics;
using System.Globalization;
using System.Net;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Extensions.Filters.Network.TcpProxy.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using CoreAddress = Envoy.Config.Core.V3.Address;
using Filter = Envoy.Config.Listener.V3.Filter;
using Listener = Envoy.Config.Listener.V3.Listener;

namespace MeshProxy.LoadGen.Xds;

/// <summary>What the benchmark control plane serves and when it pushes (flags of the <c>xds-server</c> command).</summary>
internal sealed record XdsBenchOptions
{
    public required IPEndPoint Listen { get; init; }

    /// <summary>EDS clusters in CDS (and ClusterLoadAssignments in EDS); cluster 0 is the one the listener uses.</summary>
    public int Clusters { get; init; } = 1000;

    public int EndpointsPerCluster { get; init; } = 10;

    /// <summary>Cluster 0's only endpoint: the benchmark's upstream.</summary>
    public required IPEndPoint Upstream { get; init; }

    /// <summary>The tcp_proxy listener's port (127.0.0.1).</summary>
    public int ListenerPort { get; init; }

    /// <summary>Pushes are timed from this file's appearance (the load generator's --ready-file); none without it.</summary>
    public string? PushAfterFile { get; init; }

    /// <summary>Seconds after <see cref="PushAfterFile"/> appears that the first push goes out.</summary>
    public double PushAt { get; init; } = 8;

    public int PushCount { get; init; } = 8;

    public double PushIntervalMs { get; init; } = 500;
}

/// <summary>
/// A small state-of-the-world ADS server for the e2e <c>push</c> scenario, shaped like what istiod sends a sidecar:
/// CDS with N EDS clusters (<c>outbound|8080||svc-i.bench.svc.cluster.local</c>), EDS with their N
/// ClusterLoadAssignments x M endpoints, LDS with one tcp_proxy listener to cluster 0 (whose one endpoint is the
/// upstream). It answers every request (ACK, NACK, subscription change; a stale nonce is ignored, as istiod does) and,
/// from <see cref="XdsBenchOptions.PushAt"/> seconds after the ready file appears, pushes a new EDS version every
/// <see cref="XdsBenchOptions.PushIntervalMs"/> ms: the full SotW set of subscribed assignments with one of them
/// changed. Each push and its ACK latency (response written to ACK received) is printed; a <c>XDS_SUMMARY</c> line
/// follows the last ACK.
/// </summary>
internal sealed class XdsBenchServer
{
    private const string ClusterType = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    private const string EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    private const string ListenerType = "type.googleapis.com/envoy.config.listener.v3.Listener";

    private readonly XdsBenchOptions _options;
    private readonly string[] _names;
    private readonly Any[] _clusters;
    private readonly Any[] _assignments;
    private readonly Dictionary<string, int> _index;
    private readonly Any _listener;
    private readonly Lock _gate = new();
    private readonly List<AdsConnection> _connections = [];
    private readonly List<double> _ackMs = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _edsVersion = 1;
    private int _nonce;
    private int _nacks;

    private XdsBenchServer(XdsBenchOptions options)
    {
        _options = options;
        _names = Enumerable.Range(0, options.Clusters).Select(ClusterName).ToArray();
        _index = _names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        _clusters = _names.Select(name => Any.Pack(EdsCluster(name))).ToArray();
        _assignments = Enumerable.Range(0, options.Clusters).Select(i => Any.Pack(Assignment(i, 0))).ToArray();
        _listener = Any.Pack(TcpProxyListener(options.ListenerPort, _names[0]));
    }

    public static async Task<int> RunAsync(XdsBenchOptions options, CancellationToken stop)
    {
        var server = new XdsBenchServer(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(server);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.Listen, listen => listen.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        app.MapGrpcService<AdsService>();
        await app.StartAsync(stop).ConfigureAwait(false);

        // The host takes SIGTERM/SIGINT for itself (ProcessExit never fires then): stop when it stops too.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop, app.Lifetime.ApplicationStopping);
        stop = stopping.Token;
        server.Log($"listening on {options.Listen} (h2c, SotW ADS): {options.Clusters} EDS clusters x {options.EndpointsPerCluster} endpoints, " +
            $"listener 127.0.0.1:{options.ListenerPort} -> {server._names[0]} -> {options.Upstream}");

        try
        {
            if (options.PushAfterFile is { } file)
            {
                await server.PushScheduleAsync(file, stop).ConfigureAwait(false);
            }

            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM / --seconds.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private static string ClusterName(int i) => $"outbound|8080||svc-{i}.bench.svc.cluster.local";

    private async Task PushScheduleAsync(string file, CancellationToken stop)
    {
        while (!File.Exists(file))
        {
            await Task.Delay(5, stop).ConfigureAwait(false);
        }

        long t0 = Stopwatch.GetTimestamp();
        Log($"ready file seen; {_options.PushCount} EDS pushes every {_options.PushIntervalMs} ms from {_options.PushAt} s");
        for (var k = 0; k < _options.PushCount; k++)
        {
            var due = t0 + (long)((_options.PushAt + k * _options.PushIntervalMs / 1000) * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stop).ConfigureAwait(false);
            }

            // One assignment changes per push (never cluster 0, the one carrying the traffic).
            int changed = _options.Clusters > 1 ? 1 + k % (_options.Clusters - 1) : 0;
            int version;
            lock (_gate)
            {
                version = ++_edsVersion;
                _assignments[changed] = Any.Pack(Assignment(changed, version));
            }

            AdsConnection[] connections;
            lock (_gate)
            {
                connections = _connections.ToArray();
            }

            foreach (var connection in connections)
            {
                await connection.SendEdsAsync($"push {k + 1}/{_options.PushCount}, changed {_names[changed]}").ConfigureAwait(false);
            }
        }
    }

    private void Log(string message) =>
        Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,8:F3}] {message}");

    private void OnAcked(string type, string version, double ms, string? what)
    {
        Log($"ACK {type} version {version} after {ms:F1} ms{(what is null ? "" : $" ({what})")}");
        if (what is null || !what.StartsWith("push ", StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            _ackMs.Add(ms);
            if (_ackMs.Count + _nacks < _options.PushCount)
            {
                return;
            }

            var sorted = _ackMs.Order().ToArray();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"XDS_SUMMARY pushes={_options.PushCount} acked={sorted.Length} nacked={_nacks} ack_p50_ms={(sorted.Length > 0 ? sorted[sorted.Length / 2] : 0):F1} ack_max_ms={(sorted.Length > 0 ? sorted[^1] : 0):F1} ack_mean_ms={(sorted.Length > 0 ? sorted.Average() : 0):F1}"));
        }
    }

    private static Cluster EdsCluster(string name) => new()
    {
        Name = name,
        Type = Cluster.Types.DiscoveryType.Eds,
        ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        EdsClusterConfig = new Cluster.Types.EdsClusterConfig
        {
            EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3, InitialFetchTimeout = Duration.FromTimeSpan(TimeSpan.Zero) },
        },
    };

    private ClusterLoadAssignment Assignment(int cluster, int version)
    {
        var locality = new LocalityLbEndpoints { Locality = new Locality { Region = "bench", Zone = "bench-a" } };
        if (cluster == 0)
        {
            locality.LbEndpoints.Add(LbEndpoint(_options.Upstream.Address.ToString(), _options.Upstream.Port));
        }
        else
        {
            // 127.0.0.2+ addresses nothing listens on: these clusters carry no traffic, only config.
            int basePort = 20000 + cluster % 100 * 10 + (version > 0 ? 5000 + version % 1000 : 0);
            for (var e = 0; e < _options.EndpointsPerCluster; e++)
            {
                locality.LbEndpoints.Add(LbEndpoint($"127.0.{1 + cluster / 250}.{2 + cluster % 250}", basePort + e));
            }
        }

        var assignment = new ClusterLoadAssignment { ClusterName = _names[cluster] };
        assignment.Endpoints.Add(locality);
        return assignment;
    }

    private static LbEndpoint LbEndpoint(string address, int port) => new()
    {
        Endpoint = new Envoy.Config.Endpoint.V3.Endpoint { Address = SocketAddress(address, port) },
        LoadBalancingWeight = 1,
    };

    private static CoreAddress SocketAddress(string address, int port) => new()
    {
        SocketAddress = new Envoy.Config.Core.V3.SocketAddress { Address = address, PortValue = (uint)port },
    };

    private static Listener TcpProxyListener(int port, string cluster)
    {
        var chain = new FilterChain();
        chain.Filters.Add(new Filter
        {
            Name = "envoy.filters.network.tcp_proxy",
            TypedConfig = Any.Pack(new TcpProxy { StatPrefix = "push", Cluster = cluster }),
        });
        var listener = new Listener { Name = "push_tcp", Address = SocketAddress("127.0.0.1", port) };
        listener.FilterChains.Add(chain);
        return listener;
    }

    /// <summary>One ADS stream: per type the last nonce sent, the names it was for, and what it was (for ACK logs).</summary>
    private sealed class AdsConnection(XdsBenchServer server, IServerStreamWriter<DiscoveryResponse> writer, int id) : IDisposable
    {
        private readonly SemaphoreSlim _write = new(1, 1);
        private readonly Dictionary<string, Sent> _sent = new(StringComparer.Ordinal);
        private string[] _edsNames = [];

        public async Task HandleAsync(DiscoveryRequest request)
        {
            string type = Short(request.TypeUrl);
            Sent? last;
            lock (_sent)
            {
                _sent.TryGetValue(request.TypeUrl, out last);
            }

            if (request.ResponseNonce.Length > 0 && (last is null || last.Nonce != request.ResponseNonce))
            {
                server.Log($"stream {id}: {type} request with stale nonce '{request.ResponseNonce}' ignored");
                return;
            }

            if (last is not null && request.ErrorDetail is { } error)
            {
                server.Log($"stream {id}: NACK {type} version {last.Version} ({last.What}): {error.Message}");
                if (last.What?.StartsWith("push ", StringComparison.Ordinal) == true)
                {
                    Interlocked.Increment(ref server._nacks);
                }
            }
            else if (last is not null && !last.Acked)
            {
                last.Acked = true;
                server.OnAcked(type, last.Version, Stopwatch.GetElapsedTime(last.Written).TotalMilliseconds, last.What);
            }

            var names = request.ResourceNames.Order(StringComparer.Ordinal).ToArray();
            bool first = request.ResponseNonce.Length == 0;
            switch (request.TypeUrl)
            {
                case ClusterType when first:
                    await SendAsync(ClusterType, "1", server._clusters, "all clusters").ConfigureAwait(false);
                    break;
                case ListenerType when first:
                    await SendAsync(ListenerType, "1", [server._listener], "listener").ConfigureAwait(false);
                    break;
                case EndpointType when first || !names.SequenceEqual(_edsNames):
                    _edsNames = names;
                    await SendEdsAsync($"{names.Length} subscribed").ConfigureAwait(false);
                    break;
            }
        }

        public void Dispose() => _write.Dispose();

        public Task SendEdsAsync(string what)
        {
            Any[] resources;
            string version;
            lock (server._gate)
            {
                version = $"v{server._edsVersion}";
                resources = _edsNames.Where(server._index.ContainsKey).Select(n => server._assignments[server._index[n]]).ToArray();
            }

            return _edsNames.Length == 0 ? Task.CompletedTask : SendAsync(EndpointType, version, resources, what);
        }

        private async Task SendAsync(string typeUrl, string version, Any[] resources, string what)
        {
            var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = version };
            response.Resources.Add(resources);
            await _write.WaitAsync().ConfigureAwait(false);
            try
            {
                response.Nonce = Interlocked.Increment(ref server._nonce).ToString(CultureInfo.InvariantCulture);
                var sent = new Sent(response.Nonce, version, what) { Written = Stopwatch.GetTimestamp() };
                lock (_sent)
                {
                    _sent[typeUrl] = sent;
                }

                await writer.WriteAsync(response).ConfigureAwait(false);
                server.Log($"stream {id}: sent {Short(typeUrl)} version {version} nonce {response.Nonce}: {resources.Length} resources, {response.CalculateSize() / 1024.0:F0} KiB ({what})");
            }
            finally
            {
                _write.Release();
            }
        }

        private static string Short(string typeUrl) => typeUrl switch
        {
            ClusterType => "CDS",
            EndpointType => "EDS",
            ListenerType => "LDS",
            _ => typeUrl[(typeUrl.LastIndexOf('.') + 1)..],
        };

        private sealed record Sent(string Nonce, string Version, string? What)
        {
            public long Written { get; init; }

            public bool Acked { get; set; }
        }
    }

    private sealed class AdsService(XdsBenchServer server) : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
    {
        private static int s_streams;

        public override async Task StreamAggregatedResources(
            IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext context)
        {
            int id = Interlocked.Increment(ref s_streams);
            using var connection = new AdsConnection(server, responseStream, id);
            lock (server._gate)
            {
                server._connections.Add(connection);
            }

            server.Log($"stream {id} opened");
            try
            {
                while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
                {
                    await connection.HandleAsync(requestStream.Current).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException)
            {
                // The client went away.
            }
            finally
            {
                lock (server._gate)
                {
                    server._connections.Remove(connection);
                }

                server.Log($"stream {id} closed");
            }
        }

        public override Task DeltaAggregatedResources(
            IAsyncStreamReader<DeltaDiscoveryRequest> requestStream, IServerStreamWriter<DeltaDiscoveryResponse> responseStream, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.Unimplemented, "the benchmark control plane serves state of the world only"));
    }
}
