namespace MeshProxy.Core.Config;

/// <summary>Envoy's <c>circuit_breakers.thresholds</c>, one set per routing priority.</summary>
/// <param name="DefaultPriority">Thresholds of the DEFAULT routing priority.</param>
/// <param name="HighPriority">Thresholds of the HIGH routing priority.</param>
public sealed record CircuitBreakerConfig(CircuitBreakerThresholds DefaultPriority, CircuitBreakerThresholds HighPriority)
{
    public static CircuitBreakerConfig Default { get; } = new(CircuitBreakerThresholds.Default, CircuitBreakerThresholds.Default);
}

/// <summary>Limits of one priority; Envoy's defaults are 1024, 1024, 1024 and 3.</summary>
public sealed record CircuitBreakerThresholds(uint MaxConnections, uint MaxPendingRequests, uint MaxRequests, uint MaxRetries)
{
    public static CircuitBreakerThresholds Default { get; } = new(1024, 1024, 1024, 3);
}
