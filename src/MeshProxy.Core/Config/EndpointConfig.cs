namespace MeshProxy.Core.Config;

/// <summary>One upstream host (Envoy's <c>LbEndpoint</c>).</summary>
/// <param name="Address">Host address.</param>
/// <param name="Weight">Load-balancing weight, at least 1 (Envoy's default is 1).</param>
/// <param name="Health">Health as reported by the config source.</param>
/// <param name="Priority">Priority of the locality the endpoint belongs to (0 is highest).</param>
/// <param name="Locality">Locality label (<c>region/zone/sub_zone</c>), empty when none.</param>
public sealed record EndpointConfig(SocketAddressConfig Address, uint Weight, EndpointHealth Health, uint Priority, string Locality)
{
    /// <summary>The locality's <c>load_balancing_weight</c> (locality-weighted balancing); null when unset.</summary>
    public uint? LocalityWeight { get; init; }
}

/// <summary>Envoy's <c>HealthStatus</c>, reduced to what load balancing needs.</summary>
public enum EndpointHealth
{
    Unknown,
    Healthy,
    Unhealthy,
    Draining,
    Timeout,
    Degraded,
}
