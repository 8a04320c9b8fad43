using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Core.Threading;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.State;
using Serilog;
using NodeProto = Envoy.Config.Core.V3.Node;

namespace MeshProxy.Xds.Sources;

/// <summary>
/// Runs a bootstrap's dynamic sources: the resource store over the static config, file sources for LDS/CDS
/// (<c>path_config_source</c>) and the ADS client. Disposing stops them; the data plane keeps its last config.
/// </summary>
public sealed class XdsController : IAsyncDisposable
{
    private readonly List<PathConfigWatcher> _watchers = [];

    private XdsController(XdsResourceStore store) => Store = store;

    public XdsResourceStore Store { get; }

    /// <summary>The ADS client, null when no source uses ADS.</summary>
    public AdsClient? Client { get; private set; }

    /// <summary>Completes when the first round of configuration has arrived (or its fetch timeouts passed): what
    /// Envoy calls initialization, before which <c>/ready</c> answers 503.</summary>
    public Task Initialized => Client?.InitialFetchCompleted ?? Task.CompletedTask;

    /// <summary>Applies the static config, loads the file sources, and starts the ADS stream (without waiting for it).</summary>
    /// <exception cref="InvalidOperationException">The static config cannot be applied or the ADS target is invalid.</exception>
    public static async Task<XdsController> StartAsync(
        LoadedBootstrap loaded,
        Func<ProxyConfig, CancellationToken, Task<Core.Listeners.ListenerApplyResult>> apply,
        StatsStore stats,
        ILogger logger,
        CancellationToken ct,
        Func<XdsClientOptions, XdsClientOptions>? configureClient = null,
        ControlPlaneWorker? worker = null)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(apply);
        var dynamic = loaded.Dynamic;
        var storeOptions = new XdsStoreOptions
        {
            EndpointWarmingTimeout = dynamic.Cds?.InitialFetchTimeout ?? ConfigSourceSpec.DefaultInitialFetchTimeout,
            RouteWarmingTimeout = dynamic.Lds?.InitialFetchTimeout ?? ConfigSourceSpec.DefaultInitialFetchTimeout,
        };
        var store = new XdsResourceStore(loaded.Config, apply, stats, logger, storeOptions);
        var controller = new XdsController(store);
        try
        {
            if (await store.ApplyStaticAsync(ct).ConfigureAwait(false) is { } error)
            {
                throw new InvalidOperationException(error);
            }

            // Clusters first, as Envoy initializes them: listeners that arrive next find their clusters.
            await controller.StartFileSourceAsync(dynamic.Cds, XdsTypeUrls.Cluster, logger, worker, ct).ConfigureAwait(false);
            await controller.StartFileSourceAsync(dynamic.Lds, XdsTypeUrls.Listener, logger, worker, ct).ConfigureAwait(false);

            if (dynamic.Ads is { } ads)
            {
                if (!XdsServerTarget.TryParse(ads.Target, out var target, out var targetError))
                {
                    throw new InvalidOperationException($"ADS server '{ads.Target}': {targetError}");
                }

                target = target with
                {
                    CaCertificatePath = ads.CaCertificatePath,
                    ClientCertificatePath = ads.ClientCertificatePath,
                    ClientKeyPath = ads.ClientKeyPath,
                };
                var options = new XdsClientOptions(
                    target, ads.Delta ? XdsApiType.Delta : XdsApiType.StateOfTheWorld, loaded.Proto.Node ?? new NodeProto { Id = loaded.Config.Node.Id })
                {
                    MaxReceiveMessageBytes = ads.MaxReceiveMessageBytes,
                    BackoffBase = ads.BackoffBase ?? TimeSpan.FromMilliseconds(500),
                    BackoffMax = ads.BackoffMax ?? TimeSpan.FromSeconds(30),
                    InitialFetchTimeout = dynamic.Cds?.InitialFetchTimeout ?? dynamic.Lds?.InitialFetchTimeout ?? ConfigSourceSpec.DefaultInitialFetchTimeout,
                    Worker = worker,
                };
                options = configureClient?.Invoke(options) ?? options;
                var client = new AdsClient(options, store, logger);
                store.SubscriptionSink = client.SetSubscription;
                controller.Client = client;
                await client.StartAsync(ct).ConfigureAwait(false);
                logger.Information("xDS: {ApiType} ADS to {Target} as node {NodeId}", options.ApiType, target, options.Node.Id);
            }

            return controller;
        }
        catch
        {
            await controller.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        if (Client is not null)
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }

        await Store.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StartFileSourceAsync(ConfigSourceSpec? source, string typeUrl, ILogger logger, ControlPlaneWorker? worker, CancellationToken ct)
    {
        if (source is not PathConfigSource file)
        {
            return;
        }

        var (watcher, _) = await PathConfigWatcher.StartAsync(file, typeUrl, Store, logger, ct, worker).ConfigureAwait(false);
        _watchers.Add(watcher);
    }
}
