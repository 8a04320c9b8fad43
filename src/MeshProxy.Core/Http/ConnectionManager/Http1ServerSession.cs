using System.Runtime.CompilerServices;
using System.Buffers;
using System.Net;
using MeshProxy.Core.Http.Routing;
using MeshProxy.Core.Network;
using MeshProxy.Core.Threading;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using MeshProxy.Protocols.Http1;
using Serilog.Events;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// One downstream HTTP/1.1 connection: parse a request head, route it, answer locally or forward it upstream, stream
/// both bodies, then the next request (pipelined requests wait in the input pipe and are served in order). Everything
/// runs on the connection's event loop; the codec objects, view and scratch buffers are this session's and reused for
/// every request. Timeouts are checked by the shared <see cref="Heartbeat"/> and acted on, on the loop, by cancelling
/// the pending pipe operations (the awaiting code then sees <see cref="_timeout"/>).
/// </summary>
#pragma warning disable CA1001 // The pooled header stores are returned when RunAsync ends; the session lives exactly that long.
internal sealed partial class Http1ServerSession : INetworkFilter, IHeartbeatHandler
#pragma warning restore CA1001
{
    private const int PhaseIdle = 0;
    private const int PhaseActive = 1;
    private const int PhaseClosed = 2;

    private readonly HttpConnectionManagerFactory _factory;
    private readonly Http1Parser _parser;
    private readonly Http1RequestHead _head = new();
    private readonly Http1BodyReader _requestBody;
    private readonly Http1Headers _requestTrailers = new();
    private readonly Http1Headers _localHeaders = new();
    private readonly Http1RequestView _view;
    private readonly Http1HeaderMutator _responseMutator = new();
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private readonly Action<Http1PendingRequest?> _setWaiting;
    private ConnectionContext _context = null!;
    private TransportConnection _downstream = null!;
    private IPAddress? _remoteIp;
    private StreamInfo _stream;

    // Written on the loop, read by the heartbeat thread.
    private long _lastActivity;
    private long _streamActivity;
    private long _requestDeadline;
    private long _attemptDeadline;
    private long _streamIdleTicks;
    private bool _attemptIsPerTry;
    private volatile int _phase;
    private volatile bool _requestBodyDone;
    private volatile bool _draining;
    private int _scheduled;

    // Loop-only state.
    private TimeoutKind _timeout;
    private bool _closeRequested;
    private bool _responseStarted;
    private bool _closeAfterResponse;

    public Http1ServerSession(HttpConnectionManagerFactory factory)
    {
        _factory = factory;
        _parser = new Http1Parser(factory.Limits);
        _requestBody = new Http1BodyReader(factory.Limits);
        _view = new Http1RequestView(_head);
        _setWaiting = w => _waiting = w;
    }

    internal StreamInfo LastStream => _stream;

    public async ValueTask RunAsync(ConnectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _downstream = context.Connection;
        var factory = _factory;
        var remote = _downstream.RemoteEndPoint as IPEndPoint;
        _remoteIp = remote?.Address is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : remote?.Address;
        _view.Peer = remote;
        _view.UseRemoteAddress = factory.Config.UseRemoteAddress;
        _view.XffNumTrustedHops = factory.Config.XffNumTrustedHops;
        _view.LocalAddress = context.OriginalDestination ?? _downstream.LocalEndPoint as IPEndPoint;
        var stats = factory.Stats;
        var heartbeat = factory.Heartbeat;
        stats.DownstreamCxTotal.Increment();
        stats.DownstreamCxHttp1Total.Increment();
        stats.DownstreamCxActive.Increment();
        stats.DownstreamCxHttp1Active.Increment();
        _lastActivity = heartbeat.Now;
        heartbeat.Register(this);
        var drain = context.DrainToken.CanBeCanceled
            ? context.DrainToken.UnsafeRegister(static s => ((Http1ServerSession)s!).OnDrain(), this)
            : default;
        try
        {
            var maxRequests = factory.Config.MaxRequestsPerConnection ?? 0;
            uint served = 0;
            while (await ReadRequestHeadAsync().ConfigureAwait(false))
            {
                served++;
                var close = !_head.Info.KeepAlive || _draining;
                if (maxRequests > 0 && served >= maxRequests)
                {
                    stats.DownstreamCxMaxRequestsReached.Increment();
                    close = true;
                }

                if (!await ServeRequestAsync(close).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // A reset or abort of either side ends the connection; it is counted, not thrown to the listener.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (_phase == PhaseActive)
            {
                stats.DownstreamRqRxReset.Increment();
                _stream.Flags |= ResponseFlags.DownstreamConnectionTermination;
            }

            if (e is ConnectionResetException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                if (factory.Logger.IsEnabled(LogEventLevel.Debug))
                {
                    factory.Logger.Debug("Connection {ConnectionId}: ended by {Error}", context.Id, e.Message);
                }
            }
            else
            {
                factory.Logger.Error(e, "Connection {ConnectionId}: HTTP connection manager failed", context.Id);
            }

            _downstream.Abort("http connection manager: stream failed");
        }
        finally
        {
            _phase = PhaseClosed;
            heartbeat.Unregister(this);
            drain.Dispose();
            if (_upstream is { } upstream)
            {
                _upstream = null;
                upstream.Pool.Release(upstream, reusable: false);
            }

            stats.DownstreamCxActive.Decrement();
            stats.DownstreamCxHttp1Active.Decrement();
            stats.DownstreamCxRxBytesTotal.Increment(_downstream.BytesReceived);
            stats.DownstreamCxTxBytesTotal.Increment(_downstream.BytesSent);
            _head.Dispose();
            _requestTrailers.Dispose();
            _localHeaders.Dispose();
        }
    }

    public void OnHeartbeat(long now)
    {
        var phase = _phase;
        var kind = TimeoutKind.None;
        if (phase == PhaseIdle)
        {
            var idle = _factory.IdleTimeoutTicks;
            if (idle > 0 && now - Volatile.Read(ref _lastActivity) >= idle)
            {
                kind = TimeoutKind.ConnectionIdle;
            }
        }
        else if (phase == PhaseActive)
        {
            kind = DueTimeout(now);
        }

        if (kind != TimeoutKind.None && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            // Act on the connection's loop, where the pipes are awaited.
            _downstream.Loop.Schedule(static s => ((Http1ServerSession)s!).OnTimerOnLoop(), this);
        }
    }

    private TimeoutKind DueTimeout(long now)
    {
        var requestDeadline = Volatile.Read(ref _requestDeadline);
        if (requestDeadline != 0 && now >= requestDeadline && !_requestBodyDone)
        {
            return TimeoutKind.Request;
        }

        var attemptDeadline = Volatile.Read(ref _attemptDeadline);
        if (attemptDeadline != 0 && now >= attemptDeadline)
        {
            return Volatile.Read(ref _attemptIsPerTry) ? TimeoutKind.PerTry : TimeoutKind.Route;
        }

        var streamIdle = Volatile.Read(ref _streamIdleTicks);
        return streamIdle > 0 && now - Volatile.Read(ref _streamActivity) >= streamIdle ? TimeoutKind.StreamIdle : TimeoutKind.None;
    }

    private void OnTimerOnLoop()
    {
        Volatile.Write(ref _scheduled, 0);
        var now = _factory.Heartbeat.Now;
        if (_phase == PhaseIdle)
        {
            var idle = _factory.IdleTimeoutTicks;
            if (idle > 0 && now - _lastActivity >= idle && !_closeRequested)
            {
                _factory.Stats.DownstreamCxIdleTimeout.Increment();
                CloseIdleConnection();
            }

            return;
        }

        if (_phase != PhaseActive || _timeout != TimeoutKind.None)
        {
            return;
        }

        var kind = DueTimeout(now);
        if (kind != TimeoutKind.None)
        {
            FireTimeout(kind);
        }
    }

    /// <summary>Wakes every await of the stream; each sees <see cref="_timeout"/> and unwinds.</summary>
    private void FireTimeout(TimeoutKind kind)
    {
        _timeout = kind;
        _waiting?.Cancel();
        if (_upstream is { } upstream)
        {
            upstream.Connection.Input.CancelPendingRead();
            upstream.Connection.Output.CancelPendingFlush();
        }

        _downstream.Input.CancelPendingRead();
        _downstream.Output.CancelPendingFlush();
    }

    private void OnDrain()
    {
        _draining = true;
        if (_phase != PhaseClosed)
        {
            _downstream.Loop.Schedule(
                static s =>
                {
                    var session = (Http1ServerSession)s!;
                    if (session._phase == PhaseIdle && !session._closeRequested)
                    {
                        session._factory.Stats.DownstreamCxDrainClose.Increment();
                        session.CloseIdleConnection();
                    }
                },
                this);
        }
    }

    private void CloseIdleConnection()
    {
        _closeRequested = true;
        _downstream.Input.CancelPendingRead();
    }

    /// <summary>Reads the next request head. False: the connection ends (FIN, idle close, drain, or a rejected head, answered).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadRequestHeadAsync()
    {
        if (_draining && !_closeRequested)
        {
            // The drain's check on the loop ran while the last response was still finishing and found the stream
            // active; the connection is idle now, and would otherwise wait for its next request or its idle timeout.
            _closeRequested = true;
            _factory.Stats.DownstreamCxDrainClose.Increment();
            return false;
        }

        var input = _downstream.Input;
        _head.Reset();
        _parser.Reset();
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                if (_closeRequested)
                {
                    return false;
                }

                continue; // A cancellation aimed at an earlier stream.
            }

            if (_parser.TryParseRequestHead(_head, buffer, out var consumed, out var examined, out var error))
            {
                input.AdvanceTo(consumed);
                return true;
            }

            if (error.IsError)
            {
                input.AdvanceTo(buffer.End);
                await RejectRequestAsync(error.RequestStatusCode).ConfigureAwait(false);
                return false;
            }

            input.AdvanceTo(consumed, examined);
            if (result.IsCompleted)
            {
                return false; // FIN (a partial head is dropped, as Envoy does).
            }
        }
    }

    /// <summary>A head the codec rejected: its status, <c>Connection: close</c>, nothing forwarded.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private async ValueTask RejectRequestAsync(int status)
    {
        var stats = _factory.Stats;
        stats.DownstreamCxProtocolError.Increment();
        stats.DownstreamRqTotal.Increment();
        stats.DownstreamRqHttp1Total.Increment();
        stats.CountStatus(status);
        _stream = new StreamInfo { ResponseCode = status, Flags = ResponseFlags.DownstreamProtocolError };
        Http1HeadWriter.WriteSimpleResponse(_downstream.Output, status, close: true);
        await _downstream.Output.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Serves one parsed request to the end of its response. False: close the connection after it.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeRequestAsync(bool close)
    {
        var factory = _factory;
        var stats = factory.Stats;
        var now = factory.Heartbeat.Now;
        stats.DownstreamRqTotal.Increment();
        stats.DownstreamRqHttp1Total.Increment();
        stats.DownstreamRqActive.Increment();
        _stream = new StreamInfo { StartTimestamp = factory.Heartbeat.TimeProvider.GetTimestamp() };
        _timeout = TimeoutKind.None;
        _closeAfterResponse = close;
        _responseStarted = false;
        var info = _head.Info;
        _requestBody.Reset(info.Framing);
        _requestTrailers.Clear();
        _requestBodyDone = _requestBody.IsComplete; // No body, or Content-Length: 0.
        _streamActivity = now;
        Volatile.Write(ref _streamIdleTicks, factory.StreamIdleTimeoutTicks);
        Volatile.Write(ref _requestDeadline, factory.RequestTimeoutTicks > 0 ? now + factory.RequestTimeoutTicks : 0);
        Volatile.Write(ref _attemptDeadline, 0);
        _phase = PhaseActive;
        try
        {
            PrepareRequestHeaders();
            var table = factory.CurrentRouteTable();
            var decision = table is null ? RouteDecision.NoRoute : table.Match(_view, factory.Random);
            switch (decision.Kind)
            {
                case RouteDecisionKind.Forward:
                    await ForwardAsync(decision).ConfigureAwait(false);
                    break;
                case RouteDecisionKind.DirectResponse:
                    stats.RqDirectResponse.Increment();
                    await LocalReplyAsync(decision.Route!.DirectResponseStatus, decision.Route.DirectResponseBody, ResponseFlags.None, decision).ConfigureAwait(false);
                    break;
                case RouteDecisionKind.Redirect:
                    stats.RqRedirect.Increment();
                    _scratch.ResetWrittenCount();
                    decision.Route!.WriteRedirectLocation(_view, _scratch);
                    await LocalReplyAsync(decision.Route.RedirectResponseCode, default, ResponseFlags.None, decision, location: true).ConfigureAwait(false);
                    break;
                default:
                    stats.NoRoute.Increment();
                    await LocalReplyAsync(404, default, ResponseFlags.NoRouteFound).ConfigureAwait(false);
                    break;
            }

            if (!_requestBodyDone)
            {
                _closeAfterResponse = true; // The rest of the request body is still on the wire: the stream cannot be resynchronised.
            }

            if (_closeAfterResponse && _draining)
            {
                stats.DownstreamCxDrainClose.Increment();
            }

            return !_closeAfterResponse;
        }
        finally
        {
            Volatile.Write(ref _requestDeadline, 0);
            Volatile.Write(ref _attemptDeadline, 0);
            _lastActivity = factory.Heartbeat.Now;
            _phase = PhaseIdle;
            stats.DownstreamRqActive.Decrement();
            stats.DownstreamRqCompleted.Increment();
        }
    }

    /// <summary>Request headers the connection manager owns: <c>x-request-id</c>, <c>x-forwarded-for</c>, <c>x-forwarded-proto</c>.</summary>
    private void PrepareRequestHeaders()
    {
        var config = _factory.Config;
        var headers = _head.Headers;
        _view.OnNewRequest();
        if (config.GenerateRequestId && !headers.Contains(Http1KnownHeader.XRequestId))
        {
            Span<byte> id = stackalloc byte[RequestIdGenerator.Length];
            RequestIdGenerator.Write(id);
            headers.Add(Http1KnownHeader.XRequestId, id);
        }

        if (config.UseRemoteAddress && _remoteIp is { } ip)
        {
            AppendForwardedFor(headers, ip);
        }

        // Envoy: an edge proxy (use_remote_address) sets the scheme it saw; otherwise it only fills a missing one.
        if (config.UseRemoteAddress || !headers.Contains(Http1KnownHeader.XForwardedProto))
        {
            headers.Set(Http1KnownHeader.XForwardedProto, "http"u8);
        }
    }

    private static void AppendForwardedFor(Http1Headers headers, IPAddress ip)
    {
        Span<byte> address = stackalloc byte[64];
        if (!ip.TryFormat(address, out var length))
        {
            return;
        }

        address = address[..length];
        if (!headers.TryGetValue(Http1KnownHeader.XForwardedFor, out var existing) || existing.IsEmpty)
        {
            headers.Set(Http1KnownHeader.XForwardedFor, address);
            return;
        }

        var total = existing.Length + 2 + length;
        var rented = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            existing.CopyTo(rented);
            ", "u8.CopyTo(rented.AsSpan(existing.Length));
            address.CopyTo(rented.AsSpan(existing.Length + 2));
            headers.Set(Http1KnownHeader.XForwardedFor, rented.AsSpan(0, total));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
