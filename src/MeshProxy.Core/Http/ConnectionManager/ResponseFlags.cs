namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>Envoy's response flags (<c>%RESPONSE_FLAGS%</c>): why a stream ended the way it did.</summary>
[Flags]
internal enum ResponseFlags
{
    None = 0,

    /// <summary>NR: no route.</summary>
    NoRouteFound = 1 << 0,

    /// <summary>UH: no healthy upstream host.</summary>
    NoHealthyUpstream = 1 << 1,

    /// <summary>UF: upstream connection failure.</summary>
    UpstreamConnectionFailure = 1 << 2,

    /// <summary>UO: circuit breaker or pending-queue overflow.</summary>
    UpstreamOverflow = 1 << 3,

    /// <summary>UT: the route (or per-try) timeout.</summary>
    UpstreamRequestTimeout = 1 << 4,

    /// <summary>UC: the upstream connection ended before a response.</summary>
    UpstreamConnectionTermination = 1 << 5,

    /// <summary>UR: upstream reset (mid-response).</summary>
    UpstreamRemoteReset = 1 << 6,

    /// <summary>NC: the route's cluster does not exist.</summary>
    NoClusterFound = 1 << 7,

    /// <summary>DC: the downstream connection ended mid-stream.</summary>
    DownstreamConnectionTermination = 1 << 8,

    /// <summary>SI: stream idle timeout.</summary>
    StreamIdleTimeout = 1 << 9,

    /// <summary>UPE: the upstream response could not be parsed.</summary>
    UpstreamProtocolError = 1 << 10,

    /// <summary>URX: retries (or the retry circuit breaker) were exhausted.</summary>
    UpstreamRetryLimitExceeded = 1 << 11,

    /// <summary>DPE: the downstream request had a protocol error.</summary>
    DownstreamProtocolError = 1 << 12,

    /// <summary>LR: answered locally (any local reply sets it with the specific flag).</summary>
    LocalReset = 1 << 13,
}
