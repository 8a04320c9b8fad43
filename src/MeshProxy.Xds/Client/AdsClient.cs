using System.Threading.Channels;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Serilog;

namespace MeshProxy.Xds.Client;

/// <summary>
/// The Aggregated Discovery Service client: one stream to the control plane, SotW or Delta, reconnecting with
/// full-jitter backoff until disposed. It decodes resources, hands them to the <see cref="IXdsResourceHandler"/> and
/// ACKs or NACKs on its answer; it never converts resources itself.
/// </summary>
/// <remarks>
/// Everything protocol-related runs on one loop that reads events (responses, stream ends, subscription changes,
/// timeouts) from a channel: handler calls are serialized, and requests go out in the order decisions are made.
/// The loop is plain async on the thread pool, away from the data-plane event loops.
/// </remarks>
public sealed partial class AdsClient : IAsyncDisposable
{
    private readonly XdsClientOptions _options;
    private readonly IXdsResourceHandler _handler;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, XdsTypeState> _types;
    private readonly XdsTypeState[] _orderedTypes;
    private readonly Channel<object> _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly InitialFetchTracker _initialFetch = new();
    private readonly ExponentialBackoff _backoff;
    private GrpcChannel? _channel;
    private CallInvoker? _invoker;
    private AdsStream? _stream;
    private Task _loop = Task.CompletedTask;
    private ITimer? _reconnectTimer;
    private ITimer? _initialFetchTimer;
    private int _streamCount;
    private int _failures;
    private int _subscriptionSignalled;
    private bool _connected;
    private int _started;

    public AdsClient(XdsClientOptions options, IXdsResourceHandler handler, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxReceiveMessageBytes, 1024, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BackoffBase, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BackoffMax, options.BackoffBase, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.InitialFetchTimeout, TimeSpan.Zero, nameof(options));
        _options = options;
        _handler = handler;
        _log = logger.ForContext<AdsClient>().ForContext("XdsServer", options.Target.ToString());
        _orderedTypes = XdsTypeUrls.All.Select(url => new XdsTypeState(url)).ToArray();
        _types = _orderedTypes.ToDictionary(type => type.TypeUrl, StringComparer.Ordinal);
        _backoff = new ExponentialBackoff(options.BackoffBase, options.BackoffMax, options.Random);
    }

    /// <summary>
    /// Completes when CDS, the EDS it triggered, LDS and the RDS it triggered have each answered once (ACK or NACK) or
    /// their <see cref="XdsClientOptions.InitialFetchTimeout"/> passed. Cancelled if the client is disposed first.
    /// </summary>
    public Task InitialFetchCompleted => _initialFetch.Completion.Task;

    public AdsClientStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new AdsClientStatus(
                    _connected,
                    _options.ApiType,
                    _options.Target.ToString(),
                    _types.Values.ToDictionary(type => type.TypeUrl, type => type.Snapshot(), StringComparer.Ordinal));
            }
        }
    }

    /// <summary>Creates the channel and starts the background stream loop; does not wait for any configuration.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The ADS client is already started.");
        }

        _channel = XdsChannelFactory.Create(_options);
        _invoker = _channel.CreateCallInvoker();
        _log.Information("xDS: starting {ApiType} ADS client to {XdsServer}", _options.ApiType, _options.Target.ToString());
        ArmInitialFetchTimer();
        _events.Writer.TryWrite(ConnectEvent.Instance);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Replaces the subscription of a named type (RouteConfiguration, ClusterLoadAssignment, Secret). Thread-safe, and
    /// callable from inside a handler callback; the change goes out once the loop is free (after the current ACK).
    /// </summary>
    public void SetSubscription(string typeUrl, IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(typeUrl);
        ArgumentNullException.ThrowIfNull(names);
        if (!_types.TryGetValue(typeUrl, out var type))
        {
            throw new ArgumentException($"Unknown xDS type URL '{typeUrl}'.", nameof(typeUrl));
        }

        if (type.Wildcard)
        {
            throw new ArgumentException($"'{typeUrl}' is a wildcard type; it has no named subscription.", nameof(typeUrl));
        }

        lock (_gate)
        {
            if (type.DesiredNames.SetEquals(names))
            {
                return;
            }

            type.DesiredNames.Clear();
            type.DesiredNames.UnionWith(names);
        }

        if (Interlocked.Exchange(ref _subscriptionSignalled, 1) == 0)
        {
            _events.Writer.TryWrite(SubscriptionChangedEvent.Instance);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping is how the loop ends.
        }

        _reconnectTimer?.Dispose();
        _initialFetchTimer?.Dispose();
        _stream?.Dispose();
        _stream = null;
        _channel?.Dispose();
        _initialFetch.Completion.TrySetCanceled();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var ev in _events.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (_options.Worker is { } worker)
                {
                    // Decoding, the store and the runtime apply are the CPU a push costs: off the event loops' priority.
                    await worker.SwitchTo();
                }

                await DispatchAsync(ev, ct).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Once disposing, whatever the cancelled call throws (RpcException Cancelled included) is the expected end.
        catch (Exception) when (ct.IsCancellationRequested)
#pragma warning restore CA1031
        {
            // Disposed.
        }
        finally
        {
            SetConnected(false);
        }
    }

    private async Task DispatchAsync(object ev, CancellationToken ct)
    {
        var stream = _stream;
        try
        {
            switch (ev)
            {
                case ConnectEvent:
                    await ConnectAsync().ConfigureAwait(false);
                    break;
                case ResponseEvent response when response.Stream == stream && stream is not null:
                    stream.ResponseCount++;
                    await HandleResponseAsync(stream, response.Payload, ct).ConfigureAwait(false);
                    if (stream == _stream)
                    {
                        await SyncAsync(stream).ConfigureAwait(false);
                    }

                    break;
                case ResponseEvent stale:
                    // From a stream already replaced: never decoded.
                    stale.Payload.Dispose();
                    break;
                case StreamEndedEvent ended when ended.Stream == stream && stream is not null:
                    EndStream(stream, ended.Error);
                    break;
                case SubscriptionChangedEvent:
                    Volatile.Write(ref _subscriptionSignalled, 0);
                    AdvanceInitialFetch();
                    if (stream is not null)
                    {
                        await SyncAsync(stream).ConfigureAwait(false);
                    }

                    break;
                case InitialFetchTimeoutEvent timeout when timeout.Phase == _initialFetch.Phase:
                    _log.Warning("xDS: initial fetch of {Phase} timed out after {Timeout}; waiting for {PendingNames}", timeout.Phase, _options.InitialFetchTimeout, _initialFetch.PendingNames.ToArray());
                    _initialFetch.OnTimeout(timeout.Phase);
                    AdvanceInitialFetch();
                    if (stream is not null)
                    {
                        await SyncAsync(stream).ConfigureAwait(false);
                    }

                    break;
            }
        }
#pragma warning disable CA1031 // The loop must outlive any one failure; the stream is restarted instead.
        catch (Exception ex) when (!ct.IsCancellationRequested)
#pragma warning restore CA1031
        {
            if (!IsStreamFailure(ex))
            {
                _log.Error(ex, "xDS: unexpected failure in the ADS loop; restarting the stream");
            }

            // A write failed: the stream is gone. The reader reports the same end later; it is stale by then.
            if (stream is not null && stream == _stream)
            {
                EndStream(stream, ex);
            }
        }
    }

    private async Task ConnectAsync()
    {
        if (_stream is not null || _stopping.IsCancellationRequested)
        {
            return;
        }

        var id = ++_streamCount;
        var stream = AdsStream.Open(id, _invoker!, _options.ApiType, _stopping.Token);
        _stream = stream;
        lock (_gate)
        {
            foreach (var type in _orderedTypes)
            {
                type.ResetForStream();
            }
        }

        _log.Debug("xDS: opening ADS stream {StreamId}", id);
        _ = stream.ReadAsync(
            (s, message) => _events.Writer.TryWrite(new ResponseEvent(s, message)),
            (s, error) => _events.Writer.TryWrite(new StreamEndedEvent(s, error)));

        // Fresh start or reconnect alike: every type that is due goes out now, with its last accepted version and
        // full name set. On a fresh start that is CDS alone; LDS waits for the initial fetch.
        await SyncAsync(stream).ConfigureAwait(false);
    }

    private void EndStream(AdsStream stream, Exception? error)
    {
        _stream = null;
        stream.Dispose();
        SetConnected(false);
        if (stream.ResponseCount > 0)
        {
            _backoff.Reset();
            _failures = 0;
        }

        _failures++;
        var delay = _backoff.Next();
        LogStreamEnd(stream, error, delay);
        _reconnectTimer?.Dispose();
        _reconnectTimer = _options.TimeProvider.CreateTimer(
            static state => ((AdsClient)state!)._events.Writer.TryWrite(ConnectEvent.Instance),
            this,
            delay,
            Timeout.InfiniteTimeSpan);
    }

    private void LogStreamEnd(AdsStream stream, Exception? error, TimeSpan delay)
    {
        var status = (error as RpcException)?.StatusCode;
        if (error is null || status is StatusCode.Unavailable or StatusCode.OK)
        {
            // istiod closes streams routinely (max connection age) and answers Unavailable while starting or down.
            _log.Information(
                "xDS: ADS stream {StreamId} closed after {Responses} responses ({Status}); reconnecting in {Delay} (attempt {Attempt})",
                stream.Id, stream.ResponseCount, status?.ToString() ?? "end of stream", delay, _failures);
            _log.Debug(error, "xDS: ADS stream {StreamId} close detail", stream.Id);
        }
        else
        {
            _log.Warning(
                error,
                "xDS: ADS stream {StreamId} failed after {Responses} responses ({Status}); reconnecting in {Delay} (attempt {Attempt})",
                stream.Id, stream.ResponseCount, status?.ToString() ?? error.GetType().Name, delay, _failures);
        }
    }

    /// <summary>Sends whatever the subscriptions need on this stream: first requests of due types, name changes.</summary>
    private Task SyncAsync(AdsStream stream) =>
        _options.ApiType == XdsApiType.Delta ? SyncDeltaAsync(stream) : SyncStateOfTheWorldAsync(stream);

    private XdsDecodeMemo? MemoFor(string typeUrl) => _types.TryGetValue(typeUrl, out var type) ? type.DecodeMemo : null;

    private Task HandleResponseAsync(AdsStream stream, XdsPayload payload, CancellationToken ct)
    {
        try
        {
            return _options.ApiType == XdsApiType.Delta
                ? HandleDeltaAsync(stream, payload.Parse(DeltaDiscoveryResponse.Parser), ct)
                : HandleStateOfTheWorldAsync(stream, payload.ReadStateOfTheWorld(MemoFor), ct);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidDataException)
        {
            // Without a parsed response there is no nonce to NACK: the stream fails, as in gRPC when a message does
            // not deserialize, and the loop reconnects.
            _log.Warning("xDS: a response on stream {StreamId} does not decode ({Bytes} bytes): {Error}; restarting the stream", stream.Id, payload.Length, ex.Message);
            EndStream(stream, ex);
            return Task.CompletedTask;
        }
    }

    /// <summary>Whether a type's first request goes out on a stream now.</summary>
    private bool IsDue(XdsTypeState type, string[] desired) => type.TypeUrl switch
    {
        XdsTypeUrls.Cluster => true,
        XdsTypeUrls.Listener => _initialFetch.ListenersReleased,
        _ => desired.Length > 0,
    };

    private string[] DesiredNames(XdsTypeState type)
    {
        lock (_gate)
        {
            return type.DesiredNames.Order(StringComparer.Ordinal).ToArray();
        }
    }

    private void OnAnswered(string typeUrl, IEnumerable<string> names)
    {
        _initialFetch.OnResponse(typeUrl, names);
        AdvanceInitialFetch();
    }

    private void AdvanceInitialFetch()
    {
        if (_initialFetch.Phase == InitialFetchPhase.Done)
        {
            return;
        }

        if (_initialFetch.Advance(url => DesiredNames(_types[url])))
        {
            _log.Debug("xDS: initial fetch now at {Phase}, waiting for {PendingNames}", _initialFetch.Phase, _initialFetch.PendingNames.ToArray());
            if (_initialFetch.Phase == InitialFetchPhase.Done)
            {
                _log.Information("xDS: initial fetch completed");
            }

            ArmInitialFetchTimer();
        }
    }

    private void ArmInitialFetchTimer()
    {
        _initialFetchTimer?.Dispose();
        _initialFetchTimer = null;
        if (_options.InitialFetchTimeout <= TimeSpan.Zero || _initialFetch.Phase == InitialFetchPhase.Done)
        {
            return;
        }

        var phase = _initialFetch.Phase;
        _initialFetchTimer = _options.TimeProvider.CreateTimer(
            state => _events.Writer.TryWrite(new InitialFetchTimeoutEvent((InitialFetchPhase)state!)),
            phase,
            _options.InitialFetchTimeout,
            Timeout.InfiniteTimeSpan);
    }

    private void MarkEstablished(AdsStream stream)
    {
        if (!stream.Established)
        {
            stream.Established = true;
            SetConnected(true);
            _log.Information("xDS: ADS stream {StreamId} established", stream.Id);
        }
    }

    private void SetConnected(bool connected)
    {
        lock (_gate)
        {
            if (_connected == connected)
            {
                return;
            }

            _connected = connected;
        }

        try
        {
            _handler.OnConnectionStateChanged(connected);
        }
#pragma warning disable CA1031 // A faulty handler must not take the ADS loop down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.Error(ex, "xDS: resource handler failed on connection state {Connected}", connected);
        }
    }

    private void RecordNack(XdsTypeState? type, string message)
    {
        if (type is null)
        {
            return;
        }

        lock (_gate)
        {
            type.LastNackMessage = message;
            type.LastNackTime = _options.TimeProvider.GetUtcNow();
        }
    }

    /// <summary>Tells the handler about a response NACKed before it saw it; a failure there is only logged.</summary>
    private async Task ReportRejectedAsync(XdsTypeState type, string version, string details, CancellationToken ct)
    {
        try
        {
            await _handler.OnUpdateRejectedAsync(type.TypeUrl, version, details, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Bookkeeping of a NACK must not stop the NACK itself.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.Error(ex, "xDS: resource handler failed on a rejected {TypeUrl} update", type.TypeUrl);
        }
    }

    private static Google.Rpc.Status InvalidArgument(string message) => new() { Code = (int)StatusCode.InvalidArgument, Message = message };

    private static bool IsStreamFailure(Exception ex) =>
        ex is RpcException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException or HttpRequestException;

    private sealed class ConnectEvent
    {
        public static readonly ConnectEvent Instance = new();
    }

    private sealed class SubscriptionChangedEvent
    {
        public static readonly SubscriptionChangedEvent Instance = new();
    }

    private sealed record ResponseEvent(AdsStream Stream, XdsPayload Payload);

    private sealed record StreamEndedEvent(AdsStream Stream, Exception? Error);

    private sealed record InitialFetchTimeoutEvent(InitialFetchPhase Phase);
}
