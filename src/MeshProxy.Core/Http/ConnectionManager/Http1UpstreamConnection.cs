using MeshProxy.Core.Transport;
using MeshProxy.Core.Upstream;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// One HTTP/1.1 connection to an upstream host with its codec state (response parser, head, body reader, trailers),
/// all reused for every request the connection carries. Owned by its <see cref="Http1ConnectionPool"/>; lent to one
/// stream at a time.
/// </summary>
internal sealed class Http1UpstreamConnection
{
    public Http1UpstreamConnection(TransportConnection connection, Http1ConnectionPool pool, Cluster cluster)
    {
        Connection = connection;
        Pool = pool;
        Cluster = cluster;
    }

    public TransportConnection Connection { get; }

    public Http1ConnectionPool Pool { get; }

    /// <summary>The cluster whose connection circuit breaker slot this connection holds.</summary>
    public Cluster Cluster { get; }

    public Http1Parser Parser { get; } = new();

    public Http1ResponseHead Head { get; } = new();

    public Http1BodyReader Body { get; } = new();

    public Http1Headers Trailers { get; } = new();

    /// <summary>False for a connection opened over the limit because its pool had none (Envoy does the same).</summary>
    public bool HoldsBreakerSlot { get; init; } = true;

    /// <summary>Heartbeat timestamp when the connection last went idle in its pool.</summary>
    public long IdleSince { get; set; }

    /// <summary>Requests this connection has carried (1 for a fresh one once lent).</summary>
    public int Requests { get; set; }

    /// <summary>
    /// Whether an idle connection can carry another request: no bytes arrived while idle (a stray response would
    /// desynchronise the stream) and the server has not closed or reset it. Synchronous: the transport reads eagerly.
    /// </summary>
    public bool IsReusable()
    {
        try
        {
            if (Connection.Closed.IsCompleted || Connection.WasReset)
            {
                return false;
            }

            if (Connection.Input.TryRead(out var result))
            {
                Connection.Input.AdvanceTo(result.Buffer.Start);
                return false; // FIN, stray bytes, or a cancellation left over: none of these is a clean idle connection.
            }

            return true;
        }
#pragma warning disable CA1031 // A reset surfaces as an exception from TryRead; the connection is simply not reusable.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>Clears the per-request codec state before the connection carries a new request.</summary>
    public void ResetForRequest()
    {
        Parser.Reset();
        Head.Reset();
        Trailers.Clear();
    }

    public void DisposeCodec()
    {
        Head.Dispose();
        Trailers.Dispose();
    }
}
