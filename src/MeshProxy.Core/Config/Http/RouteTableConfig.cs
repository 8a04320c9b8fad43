using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>A route table (Envoy's <c>RouteConfiguration</c>), inline in an HCM or delivered by RDS.</summary>
/// <param name="Name">Name that HCMs reference through RDS.</param>
/// <param name="VirtualHosts">Virtual hosts, matched by the request's authority: exact domains first, then the
/// longest <c>*.suffix</c>/<c>*suffix</c> wildcard, then the longest <c>prefix*</c>, then <c>*</c>.
/// No domain appears twice in one table.</param>
public sealed record RouteTableConfig(string Name, ImmutableArray<VirtualHostConfig> VirtualHosts)
{
    /// <summary>Table-level header changes, applied after the virtual host's and the route's.</summary>
    public HeaderMutationConfig Headers { get; init; } = HeaderMutationConfig.None;

    /// <summary><c>ignore_port_in_host_matching</c>: match domains against the authority without its <c>:port</c>.</summary>
    public bool IgnorePortInHostMatching { get; init; }

    /// <summary>
    /// <c>most_specific_header_mutations_wins</c>: false (Envoy's default) applies header changes route, then virtual
    /// host, then table, so the table wins a conflict; true applies them the other way round, so the route wins.
    /// </summary>
    public bool MostSpecificHeaderMutationsWins { get; init; }
}
