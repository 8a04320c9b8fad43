using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>Envoy's <c>RetryPolicy</c>.</summary>
/// <param name="RetryOn">Conditions, as Envoy's tokens (<c>5xx</c>, <c>connect-failure</c>, <c>retriable-status-codes</c>, ...).</param>
/// <param name="NumRetries">Retries after the first attempt; Envoy's default 1.</param>
public sealed record RetryPolicyConfig(ImmutableArray<string> RetryOn, uint NumRetries)
{
    /// <summary>Envoy's default back-off base interval; the maximum defaults to 10 times the base.</summary>
    public static readonly TimeSpan DefaultBackOffBase = TimeSpan.FromMilliseconds(25);

    /// <summary>Per attempt; null means the route timeout bounds each attempt.</summary>
    public TimeSpan? PerTryTimeout { get; init; }

    public TimeSpan BackOffBase { get; init; } = DefaultBackOffBase;

    public TimeSpan BackOffMax { get; init; } = DefaultBackOffBase * 10;

    /// <summary>Status codes retried under <c>retriable-status-codes</c>.</summary>
    public ImmutableArray<int> RetriableStatusCodes { get; init; } = [];
}
