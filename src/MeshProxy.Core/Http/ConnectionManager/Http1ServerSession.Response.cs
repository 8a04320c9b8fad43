using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using System.Buffers.Text;
using MeshProxy.Core.Http.Routing;
using MeshProxy.Core.Threading;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>The response side of a session: head re-encoded for the client, body streamed back, tunnels.</summary>
internal sealed partial class Http1ServerSession
{
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptOutcome> ForwardResponseAsync(
        Http1UpstreamConnection connection, UpstreamRequestState state, RouteDecision decision, UpstreamHost host, long sentAt)
    {
        var factory = _factory;
        var head = connection.Head;
        var status = head.StatusCode;
        state.CountStatus(status);

        // The per-try timeout ends with the response head; the route timeout runs to the end of the response.
        Volatile.Write(ref _attemptIsPerTry, false);
        Volatile.Write(ref _attemptDeadline, _routeDeadline);

        var headers = head.Headers;
        if ((decision.WeightedCluster?.ResponseLevels ?? decision.Route!.ResponseLevels).Length > 0)
        {
            _responseMutator.Headers = headers;
            decision.ApplyResponseHeaders(_view, _responseMutator, new HeaderFormatContext(DateTime.UtcNow, host.EndPoint));
        }

        if (!factory.SuppressEnvoyHeaders)
        {
            var elapsed = factory.Heartbeat.TimeProvider.GetElapsedTime(sentAt);
            Span<byte> digits = stackalloc byte[20];
            Utf8Formatter.TryFormat((long)elapsed.TotalMilliseconds, digits, out var length);
            headers.Remove("x-envoy-upstream-service-time"u8);
            headers.Add("x-envoy-upstream-service-time"u8, digits[..length]);
        }

        headers.Set(Http1KnownHeader.Server, factory.ServerName);
        var tunnel = head.Info.IsTunnel && (_upgradeForwarded || _head.Info.IsConnect);
        var upstreamFraming = head.Info.Framing;
        var close = _closeAfterResponse || _draining;
        Http1BodyFraming downstreamFraming;
        if (tunnel)
        {
            downstreamFraming = Http1BodyFraming.None;
        }
        else if (upstreamFraming.Kind is Http1BodyKind.Chunked or Http1BodyKind.CloseDelimited)
        {
            if (_head.Version == Http1Version.Http11)
            {
                downstreamFraming = Http1BodyFraming.Chunked;
            }
            else
            {
                downstreamFraming = Http1BodyFraming.CloseDelimited; // An HTTP/1.0 client: the end of the body is our FIN.
                close = true;
            }
        }
        else
        {
            downstreamFraming = upstreamFraming;
        }

        _closeAfterResponse = close;
        var connectionHeader = tunnel
            ? (status == 101 ? Http1ConnectionHeader.Upgrade : Http1ConnectionHeader.None)
            : ConnectionHeader(close);
        var output = _downstream.Output;
        Http1HeadWriter.WriteResponseHead(output, head, downstreamFraming, connectionHeader);
        _responseStarted = true;
        _stream.ResponseCode = status;
        factory.Stats.CountStatus(status); // as Envoy: charged when the head is encoded, before the client can see it

        // When body bytes are already here, the head goes out with them in one write (as Envoy's buffered codec does);
        // otherwise the client gets the head now, before a body that may take its time.
        if (tunnel || upstreamFraming.Kind == Http1BodyKind.None || !HasBufferedData(connection.Connection.Input))
        {
            var flush = await output.FlushAsync().ConfigureAwait(false);
            if (flush.IsCompleted)
            {
                return DownstreamGone();
            }
        }

        if (tunnel)
        {
            await StopPumpAsync(connection).ConfigureAwait(false);
            await TunnelAsync(connection).ConfigureAwait(false);
            _closeAfterResponse = true;
            return AttemptOutcome.Done;
        }

        var completed = await StreamResponseBodyAsync(connection, downstreamFraming.Kind == Http1BodyKind.Chunked).ConfigureAwait(false);
        if (!completed)
        {
            if (_timeout != TimeoutKind.None)
            {
                TimeoutOutcome(state, requestSent: true); // Counts it; the response has started, so the stream is reset.
                _stream.Flags |= _timeout == TimeoutKind.StreamIdle ? ResponseFlags.StreamIdleTimeout : ResponseFlags.UpstreamRequestTimeout;
            }
            else if (_pumpFailure == PumpResult.DownstreamGone || _downstream.WasReset)
            {
                return DownstreamGone();
            }
            else
            {
                _stream.Flags |= ResponseFlags.UpstreamRemoteReset;
            }

            factory.Stats.DownstreamRqTxReset.Increment();
            _closeAfterResponse = true;
            _downstream.Abort("http connection manager: upstream response did not complete");
            return AttemptOutcome.Done;
        }

        var pump = await StopPumpAsync(connection).ConfigureAwait(false);
        _connectionReusable = head.Info.KeepAlive
            && upstreamFraming.Kind != Http1BodyKind.CloseDelimited
            && _requestBodyDone
            && pump is PumpResult.None or PumpResult.Completed
            && _timeout == TimeoutKind.None;
        return AttemptOutcome.Done;
    }

    /// <summary>Whether <paramref name="reader"/> holds unread bytes now; leaves them (and any pending cancellation) in place.</summary>
    private static bool HasBufferedData(PipeReader reader)
    {
        try
        {
            if (!reader.TryRead(out var result))
            {
                return false;
            }

            reader.AdvanceTo(result.Buffer.Start);
            if (result.IsCanceled)
            {
                reader.CancelPendingRead(); // Taken by TryRead: put it back for the awaiting code.
                return false;
            }

            return !result.Buffer.IsEmpty;
        }
#pragma warning disable CA1031 // A reset shows on the next read; here it only means "flush now".
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private AttemptOutcome DownstreamGone()
    {
        _factory.Stats.DownstreamRqRxReset.Increment();
        _stream.Flags |= ResponseFlags.DownstreamConnectionTermination;
        _closeAfterResponse = true;
        return AttemptOutcome.Done;
    }

    /// <summary>The request body failed while waiting for the response: 400 for bad framing, nothing for a gone client.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptOutcome> DownstreamFailedAsync()
    {
        if (_pumpFailure == PumpResult.Malformed)
        {
            _factory.Stats.DownstreamCxProtocolError.Increment();
            await FailureReplyAsync(ResponseFlags.DownstreamProtocolError).ConfigureAwait(false);
            return AttemptOutcome.Done;
        }

        return DownstreamGone();
    }

    /// <summary>Copies the response body to the client; false when it did not complete (upstream reset or bad framing, timeout, client gone).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> StreamResponseBodyAsync(Http1UpstreamConnection connection, bool chunked)
    {
        var body = connection.Body;
        body.Reset(connection.Head.Info.Framing);
        if (body.IsComplete)
        {
            return true;
        }

        var input = connection.Connection.Input;
        var output = _downstream.Output;
        var heartbeat = _factory.Heartbeat;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // An upstream reset mid-body resets the downstream stream.
            catch (Exception)
#pragma warning restore CA1031
            {
                return false;
            }

            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start);
                if (_timeout != TimeoutKind.None || _pumpFailure == PumpResult.DownstreamGone)
                {
                    return false;
                }

                continue;
            }

            _streamActivity = heartbeat.Now;
            var completed = false;
            while (true)
            {
                var status = body.Read(buffer, result.IsCompleted, connection.Trailers, out var data, out var consumed, out var examined, out _);
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

                    _stream.BytesSent += data.Length;
                    buffer = buffer.Slice(consumed);
                    continue;
                }

                if (status == Http1BodyStatus.Completed)
                {
                    input.AdvanceTo(consumed);
                    if (chunked)
                    {
                        Http1ChunkedEncoder.WriteLastChunk(output, connection.Trailers);
                    }

                    completed = true;
                    break;
                }

                if (status == Http1BodyStatus.NeedMoreData)
                {
                    input.AdvanceTo(consumed, examined);
                    break;
                }

                input.AdvanceTo(buffer.End);
                return false;
            }

            // Back-pressure: the next upstream read waits until the client has taken this.
            var flush = await output.FlushAsync().ConfigureAwait(false);
            if (flush.IsCompleted || (flush.IsCanceled && _timeout != TimeoutKind.None))
            {
                return false;
            }

            if (completed)
            {
                return true;
            }
        }
    }

    /// <summary>After 101 (or 2xx to CONNECT): bytes both ways until both sides are done; a reset on one side resets the other.</summary>
    private async ValueTask TunnelAsync(Http1UpstreamConnection connection)
    {
        var stats = _factory.Stats;
        stats.DownstreamCxUpgradesTotal.Increment();
        stats.DownstreamCxUpgradesActive.Increment();
        try
        {
            var toUpstream = CopyAsync(_downstream, connection.Connection);
            var toDownstream = CopyAsync(connection.Connection, _downstream);
            await toUpstream.ConfigureAwait(false);
            await toDownstream.ConfigureAwait(false);
        }
        finally
        {
            stats.DownstreamCxUpgradesActive.Decrement();
        }
    }

    private async Task CopyAsync(TransportConnection from, TransportConnection to)
    {
        var reader = from.Input;
        var writer = to.Output;
        var failed = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled && _timeout != TimeoutKind.None)
                {
                    reader.AdvanceTo(buffer.Start);
                    failed = true;
                    break;
                }

                if (!buffer.IsEmpty)
                {
                    _streamActivity = _factory.Heartbeat.Now;
                    foreach (var segment in buffer)
                    {
                        writer.Write(segment.Span);
                    }
                }

                reader.AdvanceTo(buffer.End);
                if (!buffer.IsEmpty)
                {
                    var flush = await writer.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || (flush.IsCanceled && _timeout != TimeoutKind.None))
                    {
                        break;
                    }
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // A reset ends this direction and is passed on as a reset.
        catch (Exception)
#pragma warning restore CA1031
        {
            failed = true;
        }

        if (failed || from.WasReset)
        {
            to.Abort("tunnel peer reset");
        }
        else
        {
            await writer.CompleteAsync().ConfigureAwait(false); // Pass the FIN on.
        }
    }
}
