namespace MeshProxy.Core.Http.Routing;

/// <summary>Envoy's <c>retry_on</c> conditions (router/retry_state_impl.cc), parsed once from the tokens.</summary>
[Flags]
public enum RetryOn
{
    None = 0,

    /// <summary><c>5xx</c>: any 5xx response, or no response (reset, connect failure, per-try timeout).</summary>
    Http5xx = 1 << 0,

    /// <summary><c>gateway-error</c>: 502, 503, 504, or no response.</summary>
    GatewayError = 1 << 1,

    /// <summary><c>reset</c>: the upstream reset or timed out before responding.</summary>
    Reset = 1 << 2,

    /// <summary><c>reset-before-request</c>: reset before the request was sent upstream.</summary>
    ResetBeforeRequest = 1 << 3,

    /// <summary><c>connect-failure</c>.</summary>
    ConnectFailure = 1 << 4,

    /// <summary><c>envoy-ratelimited</c>: the response carries <c>x-envoy-ratelimited</c>.</summary>
    EnvoyRateLimited = 1 << 5,

    /// <summary><c>retriable-4xx</c>: 409.</summary>
    Retriable4xx = 1 << 6,

    /// <summary><c>refused-stream</c>: HTTP/2 REFUSED_STREAM.</summary>
    RefusedStream = 1 << 7,

    /// <summary><c>retriable-status-codes</c>: the policy's status list.</summary>
    RetriableStatusCodes = 1 << 8,

    /// <summary>
    /// <c>retriable-headers</c>: never true. The converter refuses it together with <c>retriable_headers</c> (the retry
    /// decision does not read response headers); without them it never holds in Envoy either.
    /// </summary>
    RetriableHeaders = 1 << 9,

    /// <summary><c>http3-post-connect-failure</c>.</summary>
    Http3PostConnectFailure = 1 << 10,

    GrpcCancelled = 1 << 11,
    GrpcDeadlineExceeded = 1 << 12,
    GrpcInternal = 1 << 13,
    GrpcResourceExhausted = 1 << 14,
    GrpcUnavailable = 1 << 15,
}
