using System.Collections.Frozen;
using System.Collections.Immutable;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// A route's retry policy, compiled: <c>retry_on</c> as <see cref="Http.Routing.RetryOn"/> flags, the decisions of
/// Envoy's <c>RetryStateImpl</c> (<c>wouldRetryFromHeaders</c>, <c>wouldRetryFromReset</c>) and its jittered
/// exponential back-off. Stateless: the caller counts attempts. Budgets and circuit breakers are the caller's.
/// </summary>
public sealed class RetryPolicy
{
    private static readonly FrozenDictionary<string, RetryOn> Tokens = new Dictionary<string, RetryOn>(StringComparer.Ordinal)
    {
        ["5xx"] = RetryOn.Http5xx,
        ["gateway-error"] = RetryOn.GatewayError,
        ["reset"] = RetryOn.Reset,
        ["reset-before-request"] = RetryOn.ResetBeforeRequest,
        ["connect-failure"] = RetryOn.ConnectFailure,
        ["envoy-ratelimited"] = RetryOn.EnvoyRateLimited,
        ["retriable-4xx"] = RetryOn.Retriable4xx,
        ["refused-stream"] = RetryOn.RefusedStream,
        ["retriable-status-codes"] = RetryOn.RetriableStatusCodes,
        ["retriable-headers"] = RetryOn.RetriableHeaders,
        ["http3-post-connect-failure"] = RetryOn.Http3PostConnectFailure,
        ["cancelled"] = RetryOn.GrpcCancelled,
        ["deadline-exceeded"] = RetryOn.GrpcDeadlineExceeded,
        ["internal"] = RetryOn.GrpcInternal,
        ["resource-exhausted"] = RetryOn.GrpcResourceExhausted,
        ["unavailable"] = RetryOn.GrpcUnavailable,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly int[] _retriableStatusCodes;
    private readonly long _baseMs;
    private readonly long _maxMs;

    public RetryPolicy(RetryPolicyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        RetryOn = Parse(config.RetryOn);
        NumRetries = config.NumRetries;
        _retriableStatusCodes = [.. config.RetriableStatusCodes];
        _baseMs = Math.Max(1, (long)config.BackOffBase.TotalMilliseconds);
        _maxMs = Math.Max(_baseMs, (long)config.BackOffMax.TotalMilliseconds);
    }

    public RetryPolicyConfig Config { get; }

    public RetryOn RetryOn { get; }

    /// <summary>Retries after the first attempt.</summary>
    public uint NumRetries { get; }

    public TimeSpan? PerTryTimeout => Config.PerTryTimeout;

    /// <summary>Tokens as flags; unknown tokens (the converter refuses them) are ignored, as Envoy's parser does.</summary>
    public static RetryOn Parse(ImmutableArray<string> tokens)
    {
        var result = RetryOn.None;
        foreach (var token in tokens.IsDefault ? [] : tokens)
        {
            result |= Tokens.GetValueOrDefault(token.Trim());
        }

        return result;
    }

    /// <summary>Whether a response should be retried.</summary>
    /// <param name="retriesDone">Retries already made (0 after the first attempt).</param>
    /// <param name="status">The response status.</param>
    /// <param name="rateLimited">The response carries <c>x-envoy-ratelimited</c>.</param>
    /// <param name="grpcStatus">The <c>grpc-status</c> of a trailers-only gRPC response; null otherwise.</param>
    public bool ShouldRetryResponse(int retriesDone, int status, bool rateLimited = false, int? grpcStatus = null)
    {
        if (retriesDone >= NumRetries)
        {
            return false;
        }

        // Envoy: a rate-limited response is retried only under envoy-ratelimited, whatever its status.
        if (rateLimited)
        {
            return (RetryOn & RetryOn.EnvoyRateLimited) != 0;
        }

        if ((RetryOn & RetryOn.Http5xx) != 0 && status is >= 500 and < 600)
        {
            return true;
        }

        if ((RetryOn & RetryOn.GatewayError) != 0 && status is 502 or 503 or 504)
        {
            return true;
        }

        if ((RetryOn & RetryOn.Retriable4xx) != 0 && status == 409)
        {
            return true;
        }

        if ((RetryOn & RetryOn.RetriableStatusCodes) != 0 && Array.IndexOf(_retriableStatusCodes, status) >= 0)
        {
            return true;
        }

        return grpcStatus switch
        {
            1 => (RetryOn & RetryOn.GrpcCancelled) != 0,
            4 => (RetryOn & RetryOn.GrpcDeadlineExceeded) != 0,
            8 => (RetryOn & RetryOn.GrpcResourceExhausted) != 0,
            13 => (RetryOn & RetryOn.GrpcInternal) != 0,
            14 => (RetryOn & RetryOn.GrpcUnavailable) != 0,
            _ => false,
        };
    }

    /// <summary>Whether an attempt that ended without a response should be retried.</summary>
    /// <param name="retriesDone">Retries already made.</param>
    /// <param name="reset">Why it ended.</param>
    /// <param name="requestSent">Whether any of the request reached the upstream (for <c>reset-before-request</c>).</param>
    public bool ShouldRetryReset(int retriesDone, UpstreamResetKind reset, bool requestSent)
    {
        if (retriesDone >= NumRetries || reset == UpstreamResetKind.Overflow)
        {
            return false;
        }

        // Envoy counts any upstream reset as a 5xx (it will become one).
        if ((RetryOn & (RetryOn.Http5xx | RetryOn.GatewayError | RetryOn.Reset)) != 0)
        {
            return true;
        }

        if ((RetryOn & RetryOn.ResetBeforeRequest) != 0 && !requestSent)
        {
            return true;
        }

        if ((RetryOn & RetryOn.RefusedStream) != 0 && reset == UpstreamResetKind.RefusedStream)
        {
            return true;
        }

        return (RetryOn & RetryOn.ConnectFailure) != 0 && reset == UpstreamResetKind.ConnectFailure;
    }

    /// <summary>
    /// The wait before retry number <paramref name="retryNumber"/> (1 for the first retry): Envoy's
    /// <c>JitteredExponentialBackOffStrategy</c>, full jitter in <c>[0, min(base * 2^(n-1), max))</c> milliseconds.
    /// </summary>
    public TimeSpan GetBackOff(int retryNumber, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var interval = _baseMs;
        for (var i = 1; i < retryNumber && interval < _maxMs; i++)
        {
            interval = interval < _maxMs / 2 ? interval * 2 : _maxMs;
        }

        return TimeSpan.FromMilliseconds((long)(random.NextUInt64() % (ulong)interval));
    }
}
