using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using MeshProxy.Abstractions.LoadBalancing;
using MeshProxy.Core.Threading;
using MeshProxy.Core.Timing;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using Serilog.Events;

namespace MeshProxy.Core.Network.TcpProxy;

/// <summary>
/// One proxied connection: take a slot of the cluster's connection circuit breaker, pick a host (the original
/// destination for ORIGINAL_DST), connect with the cluster's timeout on the downstream's loop (refused at once when the
/// cluster requires TLS), then copy pipe to pipe both ways. A FIN is passed on as a FIN (half-close works both ways), a reset as a reset; the session ends when
/// both directions are done. Per read: one copy into the other pipe, a plain store of the activity time, counter adds.
/// </summary>
internal sealed class TcpProxySession : INetworkFilter, IHeartbeatHandler
{
    private const int NoneEnded = 0;
    private const int DownstreamEndedFirst = 1;
    private const int UpstreamEndedFirst = 2;

    private readonly TcpProxyFilterFactory _factory;
    private TransportConnection? _downstream;
    private TransportConnection? _upstream;
    private long _lastActivity;
    private int _idleTimedOut;
    private int _firstEnded;

    public TcpProxySession(TcpProxyFilterFactory factory) => _factory = factory;

    // The async methods here use the pooled builder (their boxes are reused per loop thread): each call's ValueTask
    // is awaited exactly once, by its caller in this file or by DownstreamConnection.ServeAsync.
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    public async ValueTask RunAsync(ConnectionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var factory = _factory;
        factory.Stats.DownstreamCxTotal.Increment();
        if (!factory.Clusters.TryGet(factory.Config.Cluster, out var cluster))
        {
            factory.Stats.DownstreamCxNoRoute.Increment();
            LogDebug("Connection {ConnectionId}: no cluster {Cluster}", context.Id, factory.Config.Cluster);
            return;
        }

        // Envoy's tcp_proxy checks the connection circuit breaker before choosing a host; the slot is held from here
        // until the upstream connection is gone (connecting ones count, as in Envoy).
        if (!cluster.Connections.TryAcquire())
        {
            cluster.Stats.UpstreamCxOverflow.Increment();
            LogDebug("Connection {ConnectionId}: cluster {Cluster} is at max_connections", context.Id, cluster.Name);
            return;
        }

        try
        {
            await ProxyAsync(context, cluster).ConfigureAwait(false);
        }
        finally
        {
            cluster.Connections.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private async ValueTask ProxyAsync(ConnectionContext context, Cluster cluster)
    {
        var factory = _factory;
        var downstream = context.Connection;
        var host = cluster.PickHost(new LoadBalancerContext(null) { OriginalDestination = context.OriginalDestination });
        if (host is null)
        {
            cluster.Stats.UpstreamCxNoneHealthy.Increment();
            LogDebug("Connection {ConnectionId}: no healthy upstream in {Cluster}", context.Id, cluster.Name);
            return;
        }

        var upstream = await ConnectAsync(context, cluster, host).ConfigureAwait(false);
        if (upstream is null)
        {
            return;
        }

        _downstream = downstream;
        _upstream = upstream;
        cluster.Stats.UpstreamCxActive.Increment();
        _lastActivity = factory.Heartbeat.Now;
        if (factory.IdleTimeoutTicks > 0)
        {
            factory.Heartbeat.Register(this);
        }

        try
        {
            var toUpstream = CopyAsync(downstream, upstream, cluster.Stats, toUpstream: true);
            var toDownstream = CopyAsync(upstream, downstream, cluster.Stats, toUpstream: false);
            await toUpstream.ConfigureAwait(false);
            await toDownstream.ConfigureAwait(false);
        }
        finally
        {
            if (factory.IdleTimeoutTicks > 0)
            {
                factory.Heartbeat.Unregister(this);
            }

            await upstream.DisposeAsync().ConfigureAwait(false);
            cluster.Stats.UpstreamCxActive.Decrement();
            cluster.Stats.UpstreamCxDestroy.Increment();
            (Volatile.Read(ref _firstEnded) == UpstreamEndedFirst
                ? cluster.Stats.UpstreamCxDestroyRemote
                : cluster.Stats.UpstreamCxDestroyLocal).Increment();
            LogDebug(
                "Connection {ConnectionId}: done, upstream {Upstream} reset {UpstreamReset}, downstream reset {DownstreamReset}",
                context.Id,
                host.EndPoint,
                upstream.WasReset,
                downstream.WasReset);
        }
    }

    public void OnHeartbeat(long now)
    {
        if (now - Volatile.Read(ref _lastActivity) < _factory.IdleTimeoutTicks || Interlocked.Exchange(ref _idleTimedOut, 1) != 0)
        {
            return;
        }

        _factory.Stats.IdleTimeout.Increment();
        // The close runs on the connection's loop, not on the heartbeat's thread: with inline pipe schedulers the
        // copy loops would otherwise continue right here and delay every other connection's check.
        _downstream!.Loop.Schedule(static state => ((TcpProxySession)state!).CloseIdle(), this);
    }

    private void CloseIdle()
    {
        // Wake both copy loops wherever they wait; each then closes the side it writes to (see CloseWriterAsync).
        _downstream!.Input.CancelPendingRead();
        _upstream!.Input.CancelPendingRead();
        _downstream.Output.CancelPendingFlush();
        _upstream.Output.CancelPendingFlush();
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<TransportConnection?> ConnectAsync(ConnectionContext context, Cluster cluster, UpstreamHost host)
    {
        var factory = _factory;
        cluster.Stats.UpstreamCxTotal.Increment();
        if (cluster.RequiresTls)
        {
            // Never plaintext to a host that expects TLS: fail the attempt at once, counted like any connect failure.
            cluster.Stats.UpstreamCxConnectFail.Increment();
            cluster.Stats.UpstreamCxTlsUnsupported.Increment();
            if (cluster.TakeTlsWarning())
            {
                factory.Logger.Warning(
                    "Cluster {Cluster}: its transport socket requires TLS, which MeshProxy cannot originate yet; connections to it fail",
                    cluster.Name);
            }

            return null;
        }

        // Envoy's default max_connect_attempts is 1: no retry.
        var timeout = TimeoutSourcePool.Rent(cluster.ConnectTimeout, factory.Heartbeat.TimeProvider);
        try
        {
            return await factory.Transport
                .ConnectAsync(host.EndPoint, context.Connection.Loop, cluster.ConnectionOptions, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            cluster.Stats.UpstreamCxConnectTimeout.Increment();
            cluster.Stats.UpstreamCxConnectFail.Increment();
            LogDebug("Connection {ConnectionId}: connect to {Upstream} timed out", context.Id, host.EndPoint);
            return null;
        }
#pragma warning disable CA1031 // Any connect failure (refused, unreachable, ...) has the same outcome: count and close downstream.
        catch (Exception e)
#pragma warning restore CA1031
        {
            cluster.Stats.UpstreamCxConnectFail.Increment();
            if (factory.Logger.IsEnabled(LogEventLevel.Debug))
            {
                factory.Logger.Debug("Connection {ConnectionId}: connect to {Upstream} failed: {Error}", context.Id, host.EndPoint, e.Message);
            }

            return null;
        }
        finally
        {
            // The connect is over either way; a source whose timer fired is disposed, not reused.
            TimeoutSourcePool.Return(timeout);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private async ValueTask CopyAsync(TransportConnection from, TransportConnection to, ClusterStats clusterStats, bool toUpstream)
    {
        var reader = from.Input;
        var writer = to.Output;
        var byteCounter = toUpstream ? _factory.Stats.DownstreamCxRxBytesTotal : _factory.Stats.DownstreamCxTxBytesTotal;
        var clusterByteCounter = toUpstream ? clusterStats.UpstreamCxTxBytesTotal : clusterStats.UpstreamCxRxBytesTotal;
        var heartbeat = _factory.Heartbeat;
        long written = 0;
        var failed = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    _lastActivity = heartbeat.Now;
                    var length = buffer.Length;
                    foreach (var segment in buffer)
                    {
                        writer.Write(segment.Span);
                    }

                    reader.AdvanceTo(buffer.End);
                    written += length;
                    byteCounter.Increment(length);
                    clusterByteCounter.Increment(length);
                    var flush = await writer.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        break; // The other side cannot take more (closed or reset), or the idle timeout fired.
                    }
                }
                else
                {
                    reader.AdvanceTo(buffer.End);
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    break; // FIN (or reset, which throws instead), or the idle timeout fired.
                }
            }
        }
#pragma warning disable CA1031 // A reset or abort ends this direction; it is passed on below, not thrown.
        catch (Exception)
#pragma warning restore CA1031
        {
            failed = true;
        }

        Interlocked.CompareExchange(ref _firstEnded, toUpstream ? DownstreamEndedFirst : UpstreamEndedFirst, NoneEnded);
        if (toUpstream && !failed && to.BytesSent < written)
        {
            _factory.Stats.UpstreamFlushTotal.Increment();
        }

        if (failed || from.WasReset)
        {
            to.Abort(toUpstream ? "downstream reset" : "upstream reset");
        }
        else
        {
            await CloseWriterAsync(writer, to).ConfigureAwait(false);
        }

        await reader.CompleteAsync().ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private async ValueTask CloseWriterAsync(PipeWriter writer, TransportConnection to)
    {
        if (Volatile.Read(ref _idleTimedOut) != 0 && to.BytesSent < WrittenTotal(to))
        {
            // Idle timeout with bytes the peer never took: close without flushing (Envoy's NoFlush).
            to.Abort("idle timeout");
            return;
        }

        // Pass the FIN on: the transport sends what is buffered, then shuts down its send side.
        await writer.CompleteAsync().ConfigureAwait(false);
    }

    private long WrittenTotal(TransportConnection to)
    {
        // Bytes we wrote to `to` are the bytes the other side received (every received byte is written on).
        var other = ReferenceEquals(to, _upstream) ? _downstream! : _upstream!;
        return other.BytesReceived;
    }

    private void LogDebug<T0, T1>(string template, T0 a, T1 b)
    {
        if (_factory.Logger.IsEnabled(LogEventLevel.Debug))
        {
            _factory.Logger.Debug(template, a, b);
        }
    }

    private void LogDebug<T0, T1, T2, T3>(string template, T0 a, T1 b, T2 c, T3 d)
    {
        if (_factory.Logger.IsEnabled(LogEventLevel.Debug))
        {
            _factory.Logger.Debug(template, a, b, c, d);
        }
    }
}
