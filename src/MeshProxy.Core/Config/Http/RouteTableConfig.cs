using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>A route table (Envoy's <c>RouteConfiguration</c>), inline in an HCM or delivered by RDS.</summary>
/// <param name="Name">Name that HCMs reference through RDS.</param>
/// <param name="VirtualHosts">Virtual hosts, matched by the request's authority.</param>
public sealed record RouteTableConfig(string Name, ImmutableArray<VirtualHostConfig> VirtualHosts);
