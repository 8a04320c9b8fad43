using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>Envoy's <c>VirtualHost</c>: the routes for a set of authorities.</summary>
/// <param name="Name">Virtual host name (stats, dumps).</param>
/// <param name="Domains">Authorities served: exact, <c>*.suffix</c>, <c>prefix*</c> or <c>*</c>, lower case.</param>
public sealed record VirtualHostConfig(string Name, ImmutableArray<string> Domains);
