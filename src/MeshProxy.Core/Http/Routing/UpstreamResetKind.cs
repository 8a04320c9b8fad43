namespace MeshProxy.Core.Http.Routing;

/// <summary>Why an upstream attempt ended without a response (Envoy's <c>StreamResetReason</c>, reduced to what retry decides on).</summary>
public enum UpstreamResetKind
{
    /// <summary>The connection could not be established (refused, unreachable, connect timeout).</summary>
    ConnectFailure,

    /// <summary>The peer reset the stream or closed the connection after it was established.</summary>
    RemoteReset,

    /// <summary>HTTP/2 REFUSED_STREAM: the request was not processed.</summary>
    RefusedStream,

    /// <summary>The per-try timeout fired (Envoy resets the attempt and treats it as a reset).</summary>
    PerTryTimeout,

    /// <summary>A circuit breaker or pool overflow: Envoy never retries these.</summary>
    Overflow,
}
