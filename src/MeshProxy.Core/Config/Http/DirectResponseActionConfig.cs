using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>Envoy's <c>DirectResponseAction</c>: answer locally with this status and body.</summary>
/// <param name="Status">HTTP status, 200 to 599.</param>
/// <param name="Body">Response body; empty for none.</param>
public sealed record DirectResponseActionConfig(int Status, ImmutableArray<byte> Body) : RouteActionConfig;
