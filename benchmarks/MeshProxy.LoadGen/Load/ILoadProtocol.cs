namespace MeshProxy.LoadGen.Load;

/// <summary>
/// One protocol's client, as the load driver sees it. HTTP/1.1 is the first; h2c (N connections x M streams) and the
/// multiplexed RPC protocols (Bolt, Dubbo) slot in as further implementations: the driver runs
/// <see cref="StreamsPerConnection"/> concurrent request loops on every connection and never calls
/// <see cref="ILoadConnection.SendAsync"/> on one connection more often at once than that.
/// </summary>
public interface ILoadProtocol
{
    /// <summary>Short name for reports, e.g. <c>http1</c>, <c>http1-close</c>, <c>h2c</c>, <c>bolt</c>.</summary>
    string Name { get; }

    /// <summary>Requests one connection carries at once: 1 for HTTP/1.1 (no pipelining), M for h2c or RPC.</summary>
    int StreamsPerConnection { get; }

    /// <summary>Creates a connection object; it connects lazily on its first request and reconnects after a close.</summary>
    ILoadConnection CreateConnection(int index);
}

/// <summary>One client connection of an <see cref="ILoadProtocol"/>.</summary>
public interface ILoadConnection : IAsyncDisposable
{
    /// <summary>Number of TCP connects made so far (1 for keep-alive; one per request under connection churn).</summary>
    long Connects { get; }

    /// <summary>Sends one request and reads its whole response (body read and discarded). Expected failures come back
    /// as a result with <see cref="RequestResult.Ok"/> false; the connection is then reopened by the next call.</summary>
    ValueTask<RequestResult> SendAsync();
}

/// <summary>The outcome of one request: status (protocol-specific; HTTP status code), response body bytes.</summary>
public readonly record struct RequestResult(bool Ok, int Status, long BodyBytes)
{
    public static RequestResult Failed => new(false, 0, 0);
}
