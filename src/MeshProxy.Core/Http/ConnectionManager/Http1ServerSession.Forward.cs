using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Http.Routing;
using MeshProxy.Core.Threading;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>The router part of a session: pick a host, borrow a pooled connection, forward, stream, retry.</summary>
internal sealed partial class Http1ServerSession
{
    private Http1UpstreamConnection? _upstream;
    private Http1PendingRequest? _waiting;
    private ArrayBufferWriter<byte>? _bodyCopy;
    private bool _bodyCopyEnabled;
    private bool _bodyCopyOverflow;
    private bool _stopPump;
    private PumpResult _pumpFailure;
    private ValueTask<PumpResult> _pump;
    private bool _pumpRunning;
    private long _routeTicks;
    private long _perTryTicks;
    private long _routeDeadline;
    private long _attemptStart;
    private RetryPolicy? _retryPolicy;
    private int _retriesDone;
    private bool _retryHeld;
    private bool _connectionReusable;
    private bool _upgradeForwarded;
    private Config.CircuitBreakerThresholds _limits = Config.CircuitBreakerThresholds.Default;

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private async ValueTask ForwardAsync(RouteDecision decision)
    {
        var factory = _factory;
        var stats = factory.Stats;
        var route = decision.Route!;
        Cluster? cluster = null;
        if (decision.ClusterName is { } name)
        {
            factory.Clusters.TryGet(name, out cluster);
        }
        else if (decision.TryGetClusterName(_view, out var fromHeader))
        {
            factory.Clusters.TryGet(Encoding.UTF8.GetString(fromHeader), out cluster); // cluster_header only: rare.
        }

        // Envoy: a missing cluster_header names the empty cluster, which is not found either (503, NC).
        if (cluster is null)
        {
            stats.NoCluster.Increment();
            await LocalReplyAsync(503, default, ResponseFlags.NoClusterFound, decision).ConfigureAwait(false);
            return;
        }

        stats.RqTotal.Increment();
        if (route.IdleTimeout is { } routeIdle)
        {
            Volatile.Write(ref _streamIdleTicks, factory.Ticks(routeIdle)); // The route's idle_timeout replaces the HCM's.
        }
        if ((decision.WeightedCluster?.RequestLevels ?? route.RequestLevels).Length > 0)
        {
            decision.ApplyRequestHeaders(_view, _view, new HeaderFormatContext(DateTime.UtcNow));
        }

        if (route.HasHostRewriteLiteral)
        {
            _head.Headers.Set(Http1KnownHeader.Host, route.HostRewriteLiteral.Span);
        }

        if (_head.Info.ExpectContinue)
        {
            // Envoy's default (proxy_100_continue off): answer 100 Continue here and do not forward Expect.
            _head.Headers.Remove(Http1KnownHeader.Expect);
            if (!_requestBodyDone)
            {
                Http1HeadWriter.WriteContinue(_downstream.Output);
                await _downstream.Output.FlushAsync().ConfigureAwait(false);
            }
        }

        var state = factory.Pools.GetState(cluster.Name);
        var limits = cluster.Config.CircuitBreakers.DefaultPriority;
        _limits = limits;
        if (!state.TryAcquireRequest(limits))
        {
            state.UpstreamRqOverflow.Increment();
            await FailureReplyAsync(ResponseFlags.UpstreamOverflow).ConfigureAwait(false);
            return;
        }

        state.UpstreamRqTotal.Increment();
        _retryPolicy = route.RetryPolicy;
        _retriesDone = 0;
        _retryHeld = false;
        _bodyCopyEnabled = _retryPolicy is { NumRetries: > 0 } && !_requestBodyDone;
        _bodyCopyOverflow = false;
        _bodyCopy?.ResetWrittenCount();
        _routeTicks = factory.Ticks(route.Timeout);
        _perTryTicks = _retryPolicy is null ? 0 : factory.Ticks(_retryPolicy.PerTryTimeout);
        _routeDeadline = 0;
        if (!factory.SuppressEnvoyHeaders)
        {
            SetExpectedTimeoutHeader(route);
        }

        try
        {
            while (true)
            {
                _stream.Attempts++;
                var outcome = await AttemptAsync(cluster, state, decision).ConfigureAwait(false);
                if (outcome.Result == AttemptResult.Done)
                {
                    if (_retriesDone > 0)
                    {
                        state.UpstreamRqRetrySuccess.Increment();
                    }

                    return;
                }

                var retry = outcome.Result == AttemptResult.RetryStatus
                    || (_retryPolicy is { } policy
                        && !_responseStarted
                        && _timeout is TimeoutKind.None or TimeoutKind.PerTry
                        && CanReplayBody()
                        && policy.ShouldRetryReset(_retriesDone, outcome.Reset, outcome.RequestSent)
                        && TryBeginRetry(state, limits));
                if (!retry)
                {
                    if (_retryPolicy is not null && _retriesDone >= _retryPolicy.NumRetries && _retriesDone > 0)
                    {
                        state.UpstreamRqRetryLimitExceeded.Increment();
                        _stream.Flags |= ResponseFlags.UpstreamRetryLimitExceeded;
                    }

                    await FailureReplyAsync(outcome.Flag).ConfigureAwait(false);
                    return;
                }

                _retriesDone++;
                state.UpstreamRqRetry.Increment();

                // The failed try's per-try deadline must not fire during the back-off; the route deadline still runs.
                Volatile.Write(ref _attemptIsPerTry, false);
                Volatile.Write(ref _attemptDeadline, _routeDeadline);
                _timeout = TimeoutKind.None;
                var backOff = _retryPolicy!.GetBackOff(_retriesDone, factory.Random);
                if (backOff > TimeSpan.Zero)
                {
                    // Off the hot path (only after a failure); the continuation is posted back to the loop.
                    await Task.Delay(backOff, factory.Heartbeat.TimeProvider).ConfigureAwait(false);
                    await YieldToLoop();
                }

                if (_timeout != TimeoutKind.None)
                {
                    await FailureReplyAsync(ResponseFlags.UpstreamRequestTimeout).ConfigureAwait(false);
                    return;
                }
            }
        }
        finally
        {
            if (_retryHeld)
            {
                state.ReleaseRetry(limits);
            }

            state.ReleaseRequest(limits);
            _retryPolicy = null;
        }
    }

    /// <summary>
    /// Envoy's router tells the upstream how long it will wait: <c>x-envoy-expected-rq-timeout-ms</c>, the per-try
    /// timeout when it is the shorter, else the route timeout; absent when neither is set.
    /// </summary>
    private void SetExpectedTimeoutHeader(Route route)
    {
        var timeout = route.Timeout is { } global && global > TimeSpan.Zero ? global : TimeSpan.Zero;
        if (_retryPolicy?.PerTryTimeout is { } perTry && perTry > TimeSpan.Zero && (timeout == TimeSpan.Zero || perTry < timeout))
        {
            timeout = perTry;
        }

        var headers = _head.Headers;
        headers.Remove("x-envoy-expected-rq-timeout-ms"u8);
        if (timeout > TimeSpan.Zero)
        {
            Span<byte> digits = stackalloc byte[20];
            Utf8Formatter.TryFormat((long)timeout.TotalMilliseconds, digits, out var length);
            headers.Add("x-envoy-expected-rq-timeout-ms"u8, digits[..length]);
        }
    }

    private bool TryBeginRetry(UpstreamRequestState state, Config.CircuitBreakerThresholds limits)
    {
        if (_retryHeld)
        {
            return true;
        }

        if (!state.TryAcquireRetry(limits))
        {
            state.UpstreamRqRetryOverflow.Increment();
            _stream.Flags |= ResponseFlags.UpstreamRetryLimitExceeded;
            return false;
        }

        _retryHeld = true;
        return true;
    }

    /// <summary>Whether another attempt can send the same request: no body, or all of it read so far is kept.</summary>
    private bool CanReplayBody() => _head.Info.Framing.Kind == Http1BodyKind.None || (_bodyCopyEnabled && !_bodyCopyOverflow);

    /// <summary>Continues on the connection's loop (after a timer, whose callback runs on the thread pool).</summary>
    private LoopAwaitable YieldToLoop() => new(_downstream.Loop);

    private void ArmDeadlines()
    {
        // The precise clock, not the heartbeat's last tick: a deadline computed from a tick up to one interval old
        // would give an attempt (a retry after back-off, say) less than its timeout.
        var now = _factory.Heartbeat.TimeProvider.GetTimestamp();
        if (_routeDeadline == 0 && _requestBodyDone && _routeTicks > 0)
        {
            _routeDeadline = now + _routeTicks; // Envoy starts the route timeout once the request is complete.
        }

        var perTry = _perTryTicks > 0 ? _attemptStart + _perTryTicks : 0;
        var isPerTry = perTry != 0 && (_routeDeadline == 0 || perTry < _routeDeadline);
        Volatile.Write(ref _attemptIsPerTry, isPerTry);
        Volatile.Write(ref _attemptDeadline, isPerTry ? perTry : _routeDeadline);
    }

    private AttemptOutcome TimeoutOutcome(UpstreamRequestState state, bool requestSent)
    {
        var stats = _factory.Stats;
        switch (_timeout)
        {
            case TimeoutKind.PerTry:
                state.UpstreamRqPerTryTimeout.Increment();
                return AttemptOutcome.Fail(ResponseFlags.UpstreamRequestTimeout, UpstreamResetKind.PerTryTimeout, requestSent);
            case TimeoutKind.Route:
                state.UpstreamRqTimeout.Increment();
                stats.RqTimeout.Increment();
                return AttemptOutcome.Fail(ResponseFlags.UpstreamRequestTimeout, UpstreamResetKind.Overflow, requestSent);
            case TimeoutKind.StreamIdle:
                stats.DownstreamRqIdleTimeout.Increment();
                return AttemptOutcome.Fail(ResponseFlags.StreamIdleTimeout, UpstreamResetKind.Overflow, requestSent);
            default:
                stats.DownstreamRqTimeout.Increment();
                return AttemptOutcome.Fail(ResponseFlags.None, UpstreamResetKind.Overflow, requestSent);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptOutcome> AttemptAsync(Cluster cluster, UpstreamRequestState state, RouteDecision decision)
    {
        var route = decision.Route!;
        ulong? hash = route.HashPolicy is { } hashPolicy && hashPolicy.TryComputeHash(_view, out var computed) ? computed : null;
        var host = cluster.PickHost(new LoadBalancerContext(hash) { OriginalDestination = _context.OriginalDestination });
        if (host is null)
        {
            cluster.Stats.UpstreamCxNoneHealthy.Increment();
            return AttemptOutcome.Fail(ResponseFlags.NoHealthyUpstream, UpstreamResetKind.Overflow, requestSent: false);
        }

        host.IncrementActiveRequests();
        Http1UpstreamConnection? upstream = null;
        var reusable = false;
        _attemptStart = _factory.Heartbeat.TimeProvider.GetTimestamp();
        _pumpFailure = PumpResult.None;
        _stopPump = false;
        ArmDeadlines();
        try
        {
            var pool = _factory.Pools.GetPool(host, _downstream.Loop);
            var (connection, failure) = await pool.AcquireAsync(cluster, state, _setWaiting).ConfigureAwait(false);
            if (connection is null)
            {
                return failure switch
                {
                    Http1PoolFailure.Overflow => AttemptOutcome.Fail(ResponseFlags.UpstreamOverflow, UpstreamResetKind.Overflow, false),
                    Http1PoolFailure.Cancelled => TimeoutOutcome(state, requestSent: false),
                    _ => AttemptOutcome.Fail(ResponseFlags.UpstreamConnectionFailure, UpstreamResetKind.ConnectFailure, false),
                };
            }

            upstream = connection;
            _upstream = connection;
            connection.Requests++;
            if (_timeout != TimeoutKind.None)
            {
                return TimeoutOutcome(state, requestSent: false);
            }

            var output = connection.Connection.Output;
            WriteRequestHead(output, route);

            // Body bytes already received go out with the head in one write: the pump flushes them.
            if (_requestBodyDone || !HasBufferedData(_downstream.Input))
            {
                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (_timeout != TimeoutKind.None)
                {
                    return TimeoutOutcome(state, requestSent: false);
                }

                if (flush.IsCompleted)
                {
                    return AttemptOutcome.Fail(ResponseFlags.UpstreamConnectionTermination, UpstreamResetKind.RemoteReset, false);
                }
            }

            var sentAt = _factory.Heartbeat.TimeProvider.GetTimestamp();
            if (!_requestBodyDone)
            {
                StartPump(connection);
            }

            var outcome = await ReceiveResponseAsync(connection, state, decision, host, sentAt).ConfigureAwait(false);
            reusable = outcome.Result == AttemptResult.Done && _connectionReusable;
            return outcome;
        }
        finally
        {
            if (_pumpRunning)
            {
                await StopPumpAsync(upstream).ConfigureAwait(false);
            }

            host.DecrementActiveRequests();
            if (upstream is not null)
            {
                _upstream = null;
                upstream.Pool.Release(upstream, reusable);
            }
        }
    }

    private void WriteRequestHead(PipeWriter output, Route route)
    {
        var info = _head.Info;
        var websocket = info.IsUpgrade && _head.Headers.TryGetValue(Http1KnownHeader.Upgrade, out var upgrade) && Ascii.EqualsIgnoreCase(upgrade, "websocket"u8);
        _upgradeForwarded = websocket;
        _scratch.ResetWrittenCount();
        var target = route.TryRewritePath(_view, _scratch)
            ? _scratch.WrittenSpan
            : _head.TargetForm == Http1TargetForm.Absolute ? _view.Path : _head.Target;
        Http1HeadWriter.WriteRequestHead(
            output,
            _head.MethodBytes,
            target,
            _head.Headers,
            info.Framing,
            websocket ? Http1ConnectionHeader.Upgrade : Http1ConnectionHeader.None);

        // A retry replays what the previous attempts read of the body; the pump then continues with the rest.
        if (_stream.Attempts > 1 && info.Framing.Kind != Http1BodyKind.None)
        {
            var chunked = info.Framing.Kind == Http1BodyKind.Chunked;
            if (_bodyCopy is { WrittenCount: > 0 } copy)
            {
                if (chunked)
                {
                    Http1ChunkedEncoder.WriteChunk(output, copy.WrittenSpan);
                }
                else
                {
                    output.Write(copy.WrittenSpan);
                }
            }

            if (chunked && _requestBodyDone)
            {
                Http1ChunkedEncoder.WriteLastChunk(output, _requestTrailers);
            }
        }
    }

    /// <summary>Streams the rest of the request body to <paramref name="connection"/>, beside the response side.</summary>
    private void StartPump(Http1UpstreamConnection connection)
    {
        _stopPump = false;
#pragma warning disable CA2012 // Kept so the response side can run meanwhile; StopPumpAsync awaits it exactly once.
        _pump = PumpRequestBodyAsync(connection);
#pragma warning restore CA2012
        _pumpRunning = true;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<PumpResult> StopPumpAsync(Http1UpstreamConnection? upstream)
    {
        if (!_pumpRunning)
        {
            return PumpResult.None;
        }

        if (!_pump.IsCompleted)
        {
            _stopPump = true;
            _downstream.Input.CancelPendingRead();
            upstream?.Connection.Output.CancelPendingFlush();
        }

        _pumpRunning = false;
        return await _pump.ConfigureAwait(false);
    }

    /// <summary>
    /// Streams the request body from the client to the upstream, re-framed (Content-Length as is, chunked re-encoded),
    /// waiting on each upstream flush (back-pressure), keeping a copy for retries up to the listener's buffer limit.
    /// Runs beside <see cref="ReceiveResponseAsync"/> on the same loop: an upstream may answer before the body ends.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<PumpResult> PumpRequestBodyAsync(Http1UpstreamConnection connection)
    {
        var input = _downstream.Input;
        var output = connection.Connection.Output;
        var chunked = _head.Info.Framing.Kind == Http1BodyKind.Chunked;
        var heartbeat = _factory.Heartbeat;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    input.AdvanceTo(buffer.Start);
                    if (_stopPump || _timeout != TimeoutKind.None)
                    {
                        return PumpResult.Stopped;
                    }

                    continue;
                }

                _streamActivity = heartbeat.Now;
                var done = false;
                while (true)
                {
                    var status = _requestBody.Read(buffer, result.IsCompleted, _requestTrailers, out var data, out var consumed, out var examined, out var error);
                    if (status == Http1BodyStatus.Data)
                    {
                        if (chunked)
                        {
                            Http1ChunkedEncoder.WriteChunk(output, data);
                        }
                        else
                        {
                            foreach (var segment in data)
                            {
                                output.Write(segment.Span);
                            }
                        }

                        CopyForRetry(data);
                        _stream.BytesReceived += data.Length;
                        buffer = buffer.Slice(consumed);
                        continue;
                    }

                    if (status == Http1BodyStatus.Completed)
                    {
                        input.AdvanceTo(consumed);
                        if (chunked)
                        {
                            Http1ChunkedEncoder.WriteLastChunk(output, _requestTrailers);
                        }

                        done = true;
                        break;
                    }

                    if (status == Http1BodyStatus.NeedMoreData)
                    {
                        input.AdvanceTo(consumed, examined);
                        break;
                    }

                    input.AdvanceTo(buffer.End);
                    return Fail(error.Code == Http1Error.UnexpectedEndOfBody ? PumpResult.DownstreamGone : PumpResult.Malformed);
                }

                if (done)
                {
                    _requestBodyDone = true;
                    ArmDeadlines();
                }

                var flush = await output.FlushAsync().ConfigureAwait(false);
                if (done)
                {
                    return PumpResult.Completed;
                }

                if (flush.IsCompleted)
                {
                    return PumpResult.UpstreamGone;
                }

                if (flush.IsCanceled && (_stopPump || _timeout != TimeoutKind.None))
                {
                    return PumpResult.Stopped;
                }

                if (result.IsCompleted)
                {
                    return Fail(PumpResult.DownstreamGone);
                }
            }
        }
#pragma warning disable CA1031 // A reset of either side ends the pump; the response side learns of it below.
        catch (Exception)
#pragma warning restore CA1031
        {
            return Fail(PumpResult.DownstreamGone);
        }

        PumpResult Fail(PumpResult result)
        {
            _pumpFailure = result;
            connection.Connection.Input.CancelPendingRead(); // Wake the response side.
            return result;
        }
    }

    private void CopyForRetry(in ReadOnlySequence<byte> data)
    {
        if (!_bodyCopyEnabled || _bodyCopyOverflow)
        {
            return;
        }

        var copy = _bodyCopy ??= new ArrayBufferWriter<byte>(4096);
        if (copy.WrittenCount + data.Length > _context.Listener.PerConnectionBufferLimitBytes)
        {
            // Envoy: a body beyond the buffer limit is not retried.
            _bodyCopyOverflow = true;
            copy.ResetWrittenCount();
            return;
        }

        foreach (var segment in data)
        {
            copy.Write(segment.Span);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptOutcome> ReceiveResponseAsync(
        Http1UpstreamConnection connection, UpstreamRequestState state, RouteDecision decision, UpstreamHost host, long sentAt)
    {
        _connectionReusable = false;
        var input = connection.Connection.Input;
        var head = connection.Head;
        var parseError = default(Http1ParseError);
        var headParsed = false;
        while (!headParsed)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A reset before the response is an outcome (UC), not an exception.
            catch (Exception)
#pragma warning restore CA1031
            {
                break;
            }

            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                if (_timeout != TimeoutKind.None)
                {
                    return TimeoutOutcome(state, requestSent: true);
                }

                if (_pumpFailure is PumpResult.DownstreamGone or PumpResult.Malformed)
                {
                    return await DownstreamFailedAsync().ConfigureAwait(false);
                }

                continue;
            }

            if (connection.Parser.TryParseResponseHead(head, _head.Method, buffer, out var consumed, out var examined, out parseError))
            {
                input.AdvanceTo(consumed);
                if (head.IsInformational && head.StatusCode != 101)
                {
                    // 100 Continue (answered locally already), 102, 103: dropped, as Envoy does without proxy_100_continue.
                    head.Reset();
                    connection.Parser.Reset();
                    continue;
                }

                headParsed = true;
                break;
            }

            if (parseError.IsError)
            {
                input.AdvanceTo(buffer.End);
                break;
            }

            input.AdvanceTo(consumed, examined);
            if (result.IsCompleted)
            {
                break;
            }
        }

        if (!headParsed)
        {
            if (parseError.IsError)
            {
                state.UpstreamCxProtocolError.Increment();
                return AttemptOutcome.Fail(ResponseFlags.UpstreamProtocolError, UpstreamResetKind.RemoteReset, true);
            }

            return AttemptOutcome.Fail(ResponseFlags.UpstreamConnectionTermination, UpstreamResetKind.RemoteReset, true);
        }

        var status = head.StatusCode;
        if (_retryPolicy is { } policy
            && CanReplayBody()
            && policy.ShouldRetryResponse(_retriesDone, status))
        {
            var retryWasHeld = _retryHeld;
            if (TryBeginRetry(state, _limits))
            {
                if (_pumpRunning && !_pump.IsCompleted)
                {
                    // The upstream answered before taking the whole body (a server that never reads it does). Envoy
                    // retries this too and gives up the unfinished upstream request: this connection is not reused
                    // (the attempt is not Done). The retry was acquired first, so a refused one never stops the pump.
                    // The pump may take one more read before it sees the stop: it may end the body, fail or overflow.
                    var pump = await StopPumpAsync(connection).ConfigureAwait(false);
                    if (pump is PumpResult.DownstreamGone or PumpResult.Malformed)
                    {
                        return await DownstreamFailedAsync().ConfigureAwait(false);
                    }

                    if (!CanReplayBody())
                    {
                        // Forwarded after all, and left as a refused retry leaves it: the retry given back, the rest
                        // of the body streaming on beside the response (the stopped pump's bytes are in this
                        // connection's output, a cancelled flush still commits them, so a new pump carries on where
                        // it stopped). A body still unfinished after the response closes the client's connection.
                        if (!retryWasHeld)
                        {
                            _retryHeld = false;
                            state.ReleaseRetry(_limits);
                        }

                        if (pump == PumpResult.Stopped)
                        {
                            StartPump(connection);
                        }

                        return await ForwardResponseAsync(connection, state, decision, host, sentAt).ConfigureAwait(false);
                    }
                }

                state.CountStatus(status);
                return AttemptOutcome.RetryStatus;
            }
        }

        return await ForwardResponseAsync(connection, state, decision, host, sentAt).ConfigureAwait(false);
    }
}
