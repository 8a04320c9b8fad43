using Envoy.Config.Core.V3;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Client;

/// <summary>A fake control plane, a recording handler and an <see cref="AdsClient"/> on it, with test-sized backoff.</summary>
internal sealed class AdsHarness : IAsyncDisposable
{
    public static readonly Node TestNode = new()
    {
        Id = "sidecar~10.1.2.3~app-0.default~default.svc.cluster.local",
        Cluster = "app.default",
    };

    private AdsHarness(FakeControlPlane controlPlane, RecordingXdsHandler handler, AdsClient client, XdsClientOptions options, CollectingSink log)
    {
        Log = log;
        ControlPlane = controlPlane;
        Handler = handler;
        Client = client;
        Options = options;
    }

    public FakeControlPlane ControlPlane { get; }

    public RecordingXdsHandler Handler { get; }

    public AdsClient Client { get; }

    public XdsClientOptions Options { get; }

    /// <summary>The client's log events (Debug and up).</summary>
    public CollectingSink Log { get; }

    public static XdsClientOptions DefaultOptions(XdsServerTarget target, XdsApiType apiType) => new(target, apiType, TestNode)
    {
        // Deterministic order in tests: each step waits for its answer unless a test sets a timeout.
        InitialFetchTimeout = TimeSpan.Zero,
        BackoffBase = TimeSpan.FromMilliseconds(20),
        BackoffMax = TimeSpan.FromMilliseconds(200),
        Random = new Random(7),
    };

    public static async Task<AdsHarness> StartAsync(
        XdsApiType apiType,
        Func<XdsClientOptions, XdsClientOptions>? configure = null,
        Action<RecordingXdsHandler>? script = null,
        FakeControlPlaneOptions? controlPlaneOptions = null,
        Func<FakeControlPlane, XdsServerTarget>? target = null)
    {
        var controlPlane = await FakeControlPlane.StartAsync(controlPlaneOptions);
        var options = DefaultOptions(target?.Invoke(controlPlane) ?? XdsServerTarget.Parse(controlPlane.Target), apiType);
        options = configure?.Invoke(options) ?? options;
        var handler = new RecordingXdsHandler();
        script?.Invoke(handler);
        var (logger, sink) = CollectingSink.CreateLogger();
        var client = new AdsClient(options, handler, logger);
        var harness = new AdsHarness(controlPlane, handler, client, options, sink);
        await client.StartAsync(CancellationToken.None);
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await ControlPlane.DisposeAsync();
        if (Environment.GetEnvironmentVariable("ADS_TEST_LOG") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, Log.Render() + Environment.NewLine + "----" + Environment.NewLine);
        }
    }
}
