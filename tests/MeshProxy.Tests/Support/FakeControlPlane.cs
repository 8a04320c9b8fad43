using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using CoreAddress = Envoy.Config.Core.V3.Address;
using Endpoint = Envoy.Config.Endpoint.V3.Endpoint;
using Filter = Envoy.Config.Listener.V3.Filter;
using Listener = Envoy.Config.Listener.V3.Listener;

namespace MeshProxy.Tests.Support;

/// <summary>Where and how the fake control plane listens besides plaintext h2c on 127.0.0.1.</summary>
internal sealed record FakeControlPlaneOptions
{
    /// <summary>Also serve h2c on this Unix socket.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>Serve TLS (h2 by ALPN) instead of plaintext on the TCP port.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>With TLS: require a client certificate (accepted whatever its issuer; the test reads it).</summary>
    public bool RequireClientCertificate { get; init; }
}

/// <summary>One request as the fake control plane received it: the stream it came on (1, 2, ...) and the message.</summary>
internal sealed record ReceivedRequest(int StreamId, DiscoveryRequest? Sotw, DeltaDiscoveryRequest? Delta);

/// <summary>
/// A scriptable ADS server (Grpc.AspNetCore on Kestrel, HTTP/2 only) for SotW and Delta. It records every request in
/// order with the stream it came on, pushes responses onto the current stream, resets or ends that stream, and stops
/// and restarts on the same port. Every wait is bounded (<see cref="DefaultTimeout"/>).
/// </summary>
internal sealed class FakeControlPlane : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly FakeControlPlaneOptions _options;
    private readonly Lock _gate = new();
    private readonly Channel<ReceivedRequest> _requests = Channel.CreateUnbounded<ReceivedRequest>();
    private readonly List<ReceivedRequest> _allRequests = [];
    private readonly List<FakeStream> _openStreams = [];
    private TaskCompletionSource<FakeStream> _nextStream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeStream? _current;
    private WebApplication? _app;
    private int _streamCount;

    private FakeControlPlane(FakeControlPlaneOptions options) => _options = options;

    public int Port { get; private set; }

    /// <summary>The target string for <c>XdsServerTarget.Parse</c>: <c>127.0.0.1:PORT</c> or <c>https://127.0.0.1:PORT</c>.</summary>
    public string Target => _options.ServerCertificate is null ? $"127.0.0.1:{Port}" : $"https://127.0.0.1:{Port}";

    public string? UnixSocketPath => _options.UnixSocketPath;

    public int StreamCount => Volatile.Read(ref _streamCount);

    /// <summary>The client certificate seen on the last TLS stream, if any.</summary>
    public X509Certificate2? LastClientCertificate { get; private set; }

    public IReadOnlyList<ReceivedRequest> AllRequests
    {
        get
        {
            lock (_gate)
            {
                return _allRequests.ToArray();
            }
        }
    }

    public static async Task<FakeControlPlane> StartAsync(FakeControlPlaneOptions? options = null)
    {
        var controlPlane = new FakeControlPlane(options ?? new FakeControlPlaneOptions());
        await controlPlane.StartServerAsync(port: 0);
        return controlPlane;
    }

    /// <summary>The next request received (any stream, any type), in arrival order.</summary>
    public async Task<ReceivedRequest> NextRequestAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _requests.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no xDS request within {timeout ?? DefaultTimeout}; received so far: {Describe(AllRequests)}");
        }
    }

    public async Task<DiscoveryRequest> NextSotwRequestAsync(TimeSpan? timeout = null) =>
        (await NextRequestAsync(timeout)).Sotw ?? throw new InvalidOperationException("expected a SotW request, got a Delta one");

    public async Task<DeltaDiscoveryRequest> NextDeltaRequestAsync(TimeSpan? timeout = null) =>
        (await NextRequestAsync(timeout)).Delta ?? throw new InvalidOperationException("expected a Delta request, got a SotW one");

    /// <summary>Asserts that nothing arrives within <paramref name="quiet"/>.</summary>
    public async Task AssertNoRequestAsync(TimeSpan quiet)
    {
        using var cts = new CancellationTokenSource(quiet);
        try
        {
            var request = await _requests.Reader.ReadAsync(cts.Token);
            throw new InvalidOperationException($"expected no request, got {Describe([request])}");
        }
        catch (OperationCanceledException)
        {
            // Quiet, as expected.
        }
    }

    /// <summary>Waits for stream number <paramref name="streamId"/> to be open and current.</summary>
    public async Task WaitForStreamAsync(int streamId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            Task<FakeStream> next;
            lock (_gate)
            {
                if (_current is { } current && current.Id >= streamId)
                {
                    return;
                }

                next = _nextStream.Task;
            }

            await next.WaitAsync(cts.Token);
        }
    }

    public Task SendAsync(DiscoveryResponse response) => SendCoreAsync(response);

    public Task SendAsync(DeltaDiscoveryResponse response) => SendCoreAsync(response);

    /// <summary>Resets the current stream (RST_STREAM), as a broken connection or proxy would.</summary>
    public void AbortStream() => CurrentStream().Abort();

    /// <summary>Ends the current stream with a gRPC status, as istiod does at max connection age (Unavailable).</summary>
    public void EndStream(StatusCode code, string detail = "closed by the fake control plane") =>
        CurrentStream().End(new Status(code, detail));

    /// <summary>Stops serving: resets every open stream and closes the listeners. The port stays known for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        var app = _app;
        _app = null;
        if (app is null)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var stream in _openStreams)
            {
                stream.Abort();
            }

            _current = null;
        }

        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Serves again on the same port (and socket path).</summary>
    public Task RestartAsync() => StartServerAsync(Port);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_options.UnixSocketPath is { } path)
        {
            File.Delete(path);
        }
    }

    /// <summary>A SotW response carrying <paramref name="resources"/> packed as <c>Any</c>.</summary>
    public static DiscoveryResponse SotwResponse(string typeUrl, string version, string nonce, params IMessage[] resources)
    {
        var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = version, Nonce = nonce };
        response.Resources.Add(resources.Select(resource => Any.Pack(resource)));
        return response;
    }

    /// <summary>A Delta response: each added resource wrapped in <c>Resource{name, version}</c>, and removed names.</summary>
    public static DeltaDiscoveryResponse DeltaResponse(
        string typeUrl, string systemVersion, string nonce, IEnumerable<(string Name, string Version, IMessage Message)> added, IEnumerable<string>? removed = null)
    {
        var response = new DeltaDiscoveryResponse { TypeUrl = typeUrl, SystemVersionInfo = systemVersion, Nonce = nonce };
        response.Resources.Add(added.Select(resource => new Resource { Name = resource.Name, Version = resource.Version, Resource_ = Any.Pack(resource.Message) }));
        response.RemovedResources.Add(removed ?? []);
        return response;
    }

    /// <summary>An EDS cluster as istiod sends them (<c>outbound|PORT||FQDN</c>, endpoints over ADS).</summary>
    public static Cluster EdsCluster(string name) => new()
    {
        Name = name,
        Type = Cluster.Types.DiscoveryType.Eds,
        ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        EdsClusterConfig = new Cluster.Types.EdsClusterConfig
        {
            ServiceName = name,
            EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
        },
    };

    public static ClusterLoadAssignment Endpoints(string clusterName, params IPEndPoint[] hosts)
    {
        var locality = new LocalityLbEndpoints();
        locality.LbEndpoints.Add(hosts.Select(host => new LbEndpoint
        {
            Endpoint = new Endpoint { Address = SocketAddress(host) },
        }));
        var assignment = new ClusterLoadAssignment { ClusterName = clusterName };
        assignment.Endpoints.Add(locality);
        return assignment;
    }

    /// <summary>A listener whose HTTP connection manager takes its routes over RDS (route name as istiod names them).</summary>
    public static Listener RdsListener(string name, IPEndPoint address, string routeConfigName)
    {
        var manager = new HttpConnectionManager
        {
            StatPrefix = name,
            Rds = new Rds
            {
                RouteConfigName = routeConfigName,
                ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
            },
        };
        manager.HttpFilters.Add(new HttpFilter
        {
            Name = "envoy.filters.http.router",
            TypedConfig = Any.Pack(new Envoy.Extensions.Filters.Http.Router.V3.Router()),
        });
        var chain = new FilterChain();
        chain.Filters.Add(new Filter { Name = "envoy.filters.network.http_connection_manager", TypedConfig = Any.Pack(manager) });
        var listener = new Listener { Name = name, Address = SocketAddress(address) };
        listener.FilterChains.Add(chain);
        return listener;
    }

    /// <summary>A route configuration sending everything to <paramref name="cluster"/>.</summary>
    public static RouteConfiguration Routes(string name, string cluster)
    {
        var host = new VirtualHost { Name = "all", Domains = { "*" } };
        host.Routes.Add(new Route
        {
            Match = new RouteMatch { Prefix = "/" },
            Route_ = new RouteAction { Cluster = cluster },
        });
        var routes = new RouteConfiguration { Name = name };
        routes.VirtualHosts.Add(host);
        return routes;
    }

    private static CoreAddress SocketAddress(IPEndPoint endPoint) => new()
    {
        SocketAddress = new Envoy.Config.Core.V3.SocketAddress { Address = endPoint.Address.ToString(), PortValue = (uint)endPoint.Port },
    };

    private static string Describe(IEnumerable<ReceivedRequest> requests) => string.Join("; ", requests.Select(request =>
        request.Sotw is { } sotw
            ? $"#{request.StreamId} {sotw.TypeUrl} v='{sotw.VersionInfo}' nonce='{sotw.ResponseNonce}' names=[{string.Join(",", sotw.ResourceNames)}]"
            : $"#{request.StreamId} Δ {request.Delta!.TypeUrl} nonce='{request.Delta.ResponseNonce}' +[{string.Join(",", request.Delta.ResourceNamesSubscribe)}] -[{string.Join(",", request.Delta.ResourceNamesUnsubscribe)}]"));

    private async Task SendCoreAsync(IMessage response)
    {
        await WaitForStreamAsync(1);
        try
        {
            await CurrentStream().WriteAsync(response);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The client reset the stream mid-write (e.g. the response was over its size limit): tests observe that
            // through the client's next requests, not here.
        }
    }

    private FakeStream CurrentStream()
    {
        lock (_gate)
        {
            return _current ?? throw new InvalidOperationException("no open ADS stream");
        }
    }

    private async Task StartServerAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(this);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (_options.ServerCertificate is { } certificate)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateMode = _options.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                        ClientCertificateValidation = (_, _, _) => true,
                    });
                }
            });
            if (_options.UnixSocketPath is { } path)
            {
                File.Delete(path);
                kestrel.ListenUnixSocket(path, listen => listen.Protocols = HttpProtocols.Http2);
            }
        });

        var app = builder.Build();
        app.MapGrpcService<FakeAdsService>();
        await app.StartAsync();
        _app = app;
        Port = new Uri(app.Urls.First(url => url.StartsWith("http", StringComparison.Ordinal))).Port;
    }

    private FakeStream Open(ServerCallContext context, Func<IMessage, Task> write)
    {
        var httpContext = context.GetHttpContext();
        if (httpContext.Connection.ClientCertificate is { } clientCertificate)
        {
            LastClientCertificate = clientCertificate;
        }

        lock (_gate)
        {
            var stream = new FakeStream(++_streamCount, httpContext, write);
            _current = stream;
            _openStreams.Add(stream);
            var waiting = _nextStream;
            _nextStream = new TaskCompletionSource<FakeStream>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.TrySetResult(stream);
            return stream;
        }
    }

    private void Closed(FakeStream stream)
    {
        lock (_gate)
        {
            _openStreams.Remove(stream);
            if (_current == stream)
            {
                _current = null;
            }
        }
    }

    private void Record(ReceivedRequest request)
    {
        lock (_gate)
        {
            _allRequests.Add(request);
            _requests.Writer.TryWrite(request);
        }
    }

    private async Task ServeAsync<TRequest>(IAsyncStreamReader<TRequest> requests, ServerCallContext context, Func<IMessage, Task> write, Func<int, TRequest, ReceivedRequest> wrap)
    {
        var stream = Open(context, write);
        try
        {
            var reading = ReadAllAsync(stream, requests, context, wrap);
            var finished = await Task.WhenAny(reading, stream.Ended);
            if (finished == stream.Ended && stream.Ended.Result is { } status)
            {
                throw new RpcException(status);
            }

            await finished;
        }
        finally
        {
            Closed(stream);
        }
    }

    private async Task ReadAllAsync<TRequest>(FakeStream stream, IAsyncStreamReader<TRequest> requests, ServerCallContext context, Func<int, TRequest, ReceivedRequest> wrap)
    {
        try
        {
            while (await requests.MoveNext(context.CancellationToken))
            {
                Record(wrap(stream.Id, requests.Current));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away or the stream was reset: the call is over either way.
        }
    }

    private sealed class FakeStream(int id, HttpContext httpContext, Func<IMessage, Task> write)
    {
        private readonly Lock _writeGate = new();
        private readonly TaskCompletionSource<Status?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _lastWrite = Task.CompletedTask;

        public int Id { get; } = id;

        public Task<Status?> Ended => _ended.Task;

        /// <summary>Writes in call order: the gRPC response stream takes one write at a time.</summary>
        public Task WriteAsync(IMessage message)
        {
            lock (_writeGate)
            {
                _lastWrite = WriteAfterAsync(_lastWrite, message);
                return _lastWrite;
            }
        }

        private async Task WriteAfterAsync(Task previous, IMessage message)
        {
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await write(message);
        }

        public void Abort()
        {
            httpContext.Abort();
            _ended.TrySetResult(null);
        }

        public void End(Status status) => _ended.TrySetResult(status);
    }

    private sealed class FakeAdsService(FakeControlPlane controlPlane) : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
    {
        public override Task StreamAggregatedResources(
            IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext context) =>
            controlPlane.ServeAsync(requestStream, context, message => responseStream.WriteAsync((DiscoveryResponse)message), (id, request) => new ReceivedRequest(id, request, null));

        public override Task DeltaAggregatedResources(
            IAsyncStreamReader<DeltaDiscoveryRequest> requestStream, IServerStreamWriter<DeltaDiscoveryResponse> responseStream, ServerCallContext context) =>
            controlPlane.ServeAsync(requestStream, context, message => responseStream.WriteAsync((DeltaDiscoveryResponse)message), (id, request) => new ReceivedRequest(id, null, request));
    }
}
