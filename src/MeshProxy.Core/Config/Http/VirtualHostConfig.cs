using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>Envoy's <c>VirtualHost</c>: the routes for a set of authorities.</summary>
/// <param name="Name">Virtual host name (stats, dumps).</param>
/// <param name="Domains">Authorities served: exact, <c>*.suffix</c>, <c>prefix*</c> or <c>*</c>, lower case.</param>
public sealed record VirtualHostConfig(string Name, ImmutableArray<string> Domains)
{
    /// <summary>Routes in order; the first whose match accepts the request serves it.</summary>
    public ImmutableArray<RouteEntryConfig> Routes { get; init; } = [];

    /// <summary>Virtual-host-level header changes, applied after the route's and before the table's.</summary>
    public HeaderMutationConfig Headers { get; init; } = HeaderMutationConfig.None;

    /// <summary>Retry policy for forwarding routes that set none of their own; null for none.</summary>
    public RetryPolicyConfig? RetryPolicy { get; init; }
}
