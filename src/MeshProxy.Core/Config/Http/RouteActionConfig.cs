namespace MeshProxy.Core.Config.Http;

/// <summary>
/// What a matched route does: <see cref="ForwardActionConfig"/> (Envoy's <c>route</c>), <see cref="RedirectActionConfig"/>
/// (<c>redirect</c>) or <see cref="DirectResponseActionConfig"/> (<c>direct_response</c>).
/// </summary>
public abstract record RouteActionConfig;
