using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using MeshProxy.Core;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Transport;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.Sources;
using MeshProxy.Xds.State;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>
/// The whole xDS path as the executable runs it: a <see cref="FakeControlPlane"/> on loopback, a bootstrap built in
/// code, an <see cref="XdsController"/> (store + ADS client) applying to a real
/// <see cref="ProxyRuntime"/> on the default transport, and greeting upstreams that tell which of them a client
/// reached. Waits are bounded (<see cref="Bounded"/>); disposing stops everything.
/// </summary>
internal sealed class XdsTestRig : IAsyncDisposable
{
    public static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);

    public const string NodeId = "sidecar~127.0.0.1~app-0.default~default.svc.cluster.local";

    private readonly FakeControlPlane? _controlPlane;
    private readonly ITransport _transport;
    private readonly List<TestUpstream> _upstreams = [];
    private readonly List<ReceivedRequest> _unclaimed = [];

    private XdsTestRig(FakeControlPlane? controlPlane, ITransport transport, ProxyRuntime runtime, LoadedBootstrap bootstrap, CollectingSink log)
    {
        _controlPlane = controlPlane;
        _transport = transport;
        Runtime = runtime;
        Bootstrap = bootstrap;
        Log = log;
    }

    public FakeControlPlane ControlPlane => _controlPlane ?? throw new InvalidOperationException("this rig runs without a control plane");

    public ProxyRuntime Runtime { get; }

    public StatsStore Stats => Runtime.Stats;

    public LoadedBootstrap Bootstrap { get; }

    public XdsController Controller { get; private set; } = null!;

    public XdsResourceStore Store => Controller.Store;

    public AdsClient Client => Controller.Client ?? throw new InvalidOperationException("no ADS client in this bootstrap");

    public CollectingSink Log { get; }

    /// <summary>A rig whose bootstrap takes LDS and CDS over ADS (SotW or Delta), by default with initial_fetch_timeout 0s as Istio sets it.</summary>
    /// <param name="apiType">SotW or Delta.</param>
    /// <param name="initialFetchTimeout">LDS/CDS initial_fetch_timeout, e.g. "0.3s"; also what RDS/EDS warming waits when their sources set none.</param>
    public static async Task<XdsTestRig> StartAsync(XdsApiType apiType = XdsApiType.StateOfTheWorld, string initialFetchTimeout = "0s")
    {
        var controlPlane = await FakeControlPlane.StartAsync();
        var yaml = $$"""
            node: {id: "{{NodeId}}", cluster: app.default}
            dynamic_resources:
              lds_config: {ads: {}, initial_fetch_timeout: {{initialFetchTimeout}}, resource_api_version: V3}
              cds_config: {ads: {}, initial_fetch_timeout: {{initialFetchTimeout}}, resource_api_version: V3}
              ads_config:
                api_type: {{(apiType == XdsApiType.Delta ? "DELTA_GRPC" : "GRPC")}}
                transport_api_version: V3
                grpc_services:
                - google_grpc: {target_uri: "{{controlPlane.Target}}", stat_prefix: xds}
            """;
        return await StartCoreAsync(controlPlane, yaml);
    }

    /// <summary>A rig on a bootstrap of the test's own (file sources, say); no control plane.</summary>
    public static Task<XdsTestRig> StartWithBootstrapAsync(string yaml) => StartCoreAsync(null, yaml);

    private static async Task<XdsTestRig> StartCoreAsync(FakeControlPlane? controlPlane, string yaml)
    {
        var bootstrap = BootstrapLoader.LoadText(yaml, BootstrapFormat.Yaml);
        var (logger, log) = CollectingSink.CreateLogger();
        var transport = TransportFactory.Create(Environment.GetEnvironmentVariable("XDS_IT_TRANSPORT"), 2);
        var runtime = new ProxyRuntime(transport, logger);
        var rig = new XdsTestRig(controlPlane, transport, runtime, bootstrap, log);
        try
        {
            using var cts = new CancellationTokenSource(Bounded);
            rig.Controller = await XdsController.StartAsync(
                bootstrap,
                runtime.ApplyAsync,
                runtime.Stats,
                logger,
                cts.Token,
                options => options with
                {
                    BackoffBase = TimeSpan.FromMilliseconds(20),
                    BackoffMax = TimeSpan.FromMilliseconds(200),
                    Random = new Random(7),
                });
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>An upstream the rig disposes, see <see cref="GreetingUpstream"/>.</summary>
    public TestUpstream Upstream(string name)
    {
        var upstream = GreetingUpstream(name);
        _upstreams.Add(upstream);
        return upstream;
    }

    /// <summary>An upstream on loopback that greets each connection with "<paramref name="name"/>\n" and then echoes.</summary>
    public static TestUpstream GreetingUpstream(string name)
    {
        var greeting = Encoding.ASCII.GetBytes(name + "\n");
        return new TestUpstream(async socket =>
        {
            await socket.SendAsync(greeting, SocketFlags.None);
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }

            socket.Shutdown(SocketShutdown.Send);
        });
    }

    /// <summary>A loopback port free right now (listeners need fixed ports: a changed listener keeps its address).</summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Opens a connection through <paramref name="port"/>, echoes a payload, closes; returns who answered.</summary>
    public static async Task<string> RoundTripAsync(int port)
    {
        using var conversation = await Conversation.OpenAsync(port);
        await conversation.EchoAsync($"ping through {port} to {conversation.Upstream}");
        await conversation.FinishAsync();
        return conversation.Upstream;
    }

    /// <summary>Retries round trips until <paramref name="upstream"/> answers on <paramref name="port"/> (for sources applied asynchronously).</summary>
    public static async Task WaitForUpstreamAsync(int port, string upstream)
    {
        var watch = Stopwatch.StartNew();
        string last = "(nothing)";
        while (watch.Elapsed < Bounded)
        {
            try
            {
                last = await RoundTripAsync(port);
                if (last == upstream)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or EndOfStreamException or OperationCanceledException)
            {
                last = ex.Message;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"port {port} did not reach upstream '{upstream}' within {Bounded}; last: {last}");
    }

    /// <summary>Asserts nothing accepts on <paramref name="port"/> any more.</summary>
    public static async Task AssertRefusedAsync(int port)
    {
        using var cts = new CancellationTokenSource(Bounded);
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var socket = await SocketTestExtensions.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        });
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    /// <summary>Asserts a connection to <paramref name="port"/> is accepted and then closed without reaching any upstream.</summary>
    public static async Task AssertClosedWithoutUpstreamAsync(int port)
    {
        using var cts = new CancellationTokenSource(Bounded);
        using var socket = await SocketTestExtensions.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        Assert.NotEqual(ReadOutcome.StillOpen, await socket.ReadOutcomeAsync(Bounded));
    }

    /// <summary>Whether a listener of that name is bound and accepting in the runtime.</summary>
    public bool IsBound(string listener) => Runtime.Listeners.Any(l => l.Name == listener);

    public long Counter(string name) => Stats.GetCounter(name).Value;

    public long Gauge(string name) => Stats.GetGauge(name).Value;

    /// <summary>The next request of <paramref name="typeUrl"/> (SotW), keeping requests of other types for later calls.</summary>
    public async Task<DiscoveryRequest> NextRequestAsync(string typeUrl) =>
        (await NextOfTypeAsync(typeUrl, _ => true)).Sotw ?? throw new InvalidOperationException("expected a SotW request");

    /// <summary>The next SotW request of <paramref name="typeUrl"/> on stream <paramref name="streamId"/> (after a reconnect).</summary>
    public async Task<DiscoveryRequest> NextRequestAsync(string typeUrl, int streamId) =>
        (await NextOfTypeAsync(typeUrl, r => r.StreamId == streamId)).Sotw ?? throw new InvalidOperationException("expected a SotW request");

    public async Task<DeltaDiscoveryRequest> NextDeltaRequestAsync(string typeUrl, int streamId = 1) =>
        (await NextOfTypeAsync(typeUrl, r => r.StreamId == streamId)).Delta ?? throw new InvalidOperationException("expected a Delta request");

    /// <summary>Every request the control plane received on stream <paramref name="streamId"/>, in order.</summary>
    public IReadOnlyList<ReceivedRequest> RequestsOnStream(int streamId) => ControlPlane.AllRequests.Where(r => r.StreamId == streamId).ToArray();

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what) => ProxyHarness.WaitUntilAsync(condition, Bounded, what);

    /// <summary>Sends a SotW response and returns the client's answer to it (the request of that type carrying its nonce).</summary>
    public async Task<DiscoveryRequest> PushAsync(string typeUrl, string version, string nonce, params IMessage[] resources) =>
        await PushAsync(FakeControlPlane.SotwResponse(typeUrl, version, nonce, resources));

    public async Task<DiscoveryRequest> PushAsync(DiscoveryResponse response)
    {
        await ControlPlane.SendAsync(response);
        var answer = await NextOfTypeAsync(response.TypeUrl, r => r.Sotw!.ResponseNonce == response.Nonce);
        return answer.Sotw!;
    }

    /// <summary>Sends a Delta response and returns the client's ACK/NACK of it.</summary>
    public async Task<DeltaDiscoveryRequest> PushDeltaAsync(
        string typeUrl, string systemVersion, string nonce, IEnumerable<(string Name, string Version, IMessage Message)> added, IEnumerable<string>? removed = null)
    {
        await ControlPlane.SendAsync(FakeControlPlane.DeltaResponse(typeUrl, systemVersion, nonce, added, removed));
        var answer = await NextOfTypeAsync(typeUrl, r => r.Delta!.ResponseNonce == nonce);
        return answer.Delta!;
    }

    /// <summary>
    /// The first round of a SotW stream for tests that need no EDS/RDS: waits for the CDS request, pushes the clusters,
    /// waits for the LDS request (sent once CDS is in), pushes the listeners; asserts both ACKed with <paramref name="version"/>.
    /// </summary>
    public async Task SyncAsync(string version, IMessage[] clusters, IMessage[] listeners)
    {
        await NextRequestAsync(XdsTypeUrls.Cluster);
        AssertAck(await PushAsync(XdsTypeUrls.Cluster, version, "cds-" + version, clusters), version, "cds-" + version);
        await NextRequestAsync(XdsTypeUrls.Listener);
        AssertAck(await PushAsync(XdsTypeUrls.Listener, version, "lds-" + version, listeners), version, "lds-" + version);
    }

    /// <summary>Asserts a SotW ACK: the pushed version and nonce, no error.</summary>
    public static void AssertAck(DiscoveryRequest request, string version, string nonce)
    {
        Assert.True(request.ErrorDetail is null, $"expected an ACK of {XdsTypeUrls.ShortName(request.TypeUrl)} {version}, got a NACK: {request.ErrorDetail?.Message}");
        Assert.Equal(version, request.VersionInfo);
        Assert.Equal(nonce, request.ResponseNonce);
        Assert.Null(request.ErrorDetail);
    }

    /// <summary>Asserts a SotW NACK: the previous good version, the nonce, INVALID_ARGUMENT with <paramref name="detail"/>.</summary>
    public static void AssertNack(DiscoveryRequest request, string lastGoodVersion, string nonce, string detail)
    {
        Assert.Equal(lastGoodVersion, request.VersionInfo);
        Assert.Equal(nonce, request.ResponseNonce);
        Assert.NotNull(request.ErrorDetail);
        Assert.Equal((int)Grpc.Core.StatusCode.InvalidArgument, request.ErrorDetail.Code);
        Assert.Equal(detail, request.ErrorDetail.Message);
    }

    public async ValueTask DisposeAsync()
    {
        if (Controller is not null)
        {
            await Controller.DisposeAsync();
        }

        if (_controlPlane is not null)
        {
            await _controlPlane.DisposeAsync();
        }

        await Runtime.DisposeAsync();
        await _transport.DisposeAsync();
        foreach (var upstream in _upstreams)
        {
            await upstream.DisposeAsync();
        }

        if (Environment.GetEnvironmentVariable("XDS_IT_LOG") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, Log.Render() + Environment.NewLine + "----" + Environment.NewLine);
        }
    }

    private async Task<ReceivedRequest> NextOfTypeAsync(string typeUrl, Func<ReceivedRequest, bool> match)
    {
        var index = _unclaimed.FindIndex(r => TypeOf(r) == typeUrl && match(r));
        if (index >= 0)
        {
            var found = _unclaimed[index];
            _unclaimed.RemoveAt(index);
            return found;
        }

        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = Bounded - watch.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no matching {XdsTypeUrls.ShortName(typeUrl)} request within {Bounded}");
            }

            var request = await ControlPlane.NextRequestAsync(left);
            if (TypeOf(request) == typeUrl && match(request))
            {
                return request;
            }

            // Requests of the awaited type that do not match (an older nonce) are dropped; tests that care about every
            // request read ControlPlane.AllRequests.
            if (TypeOf(request) != typeUrl)
            {
                _unclaimed.Add(request);
            }
        }
    }

    private static string TypeOf(ReceivedRequest request) => request.Sotw?.TypeUrl ?? request.Delta!.TypeUrl;
}
