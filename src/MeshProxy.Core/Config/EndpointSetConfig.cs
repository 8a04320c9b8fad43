using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>
/// The hosts of one cluster as EDS delivers them (Envoy's <c>ClusterLoadAssignment</c>), keyed by
/// <see cref="ClusterName"/>, which is the cluster's <see cref="ClusterConfig.EdsServiceName"/>.
/// </summary>
/// <param name="ClusterName">The assignment's name (the EDS service name, not necessarily a cluster name).</param>
/// <param name="Endpoints">Hosts with locality, priority, weight and health, in document order.</param>
public sealed record EndpointSetConfig(string ClusterName, ImmutableArray<EndpointConfig> Endpoints)
{
    /// <summary>Envoy's default <c>policy.overprovisioning_factor</c>, in percent.</summary>
    public const uint DefaultOverprovisioningFactor = 140;

    /// <summary>
    /// <c>policy.overprovisioning_factor</c> in percent: a priority level whose healthy share times this factor
    /// reaches 100% takes all the traffic before the next priority gets any.
    /// </summary>
    public uint OverprovisioningFactor { get; init; } = DefaultOverprovisioningFactor;
}
