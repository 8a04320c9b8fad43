namespace MeshProxy.Core.Http.Routing;

public enum RouteDecisionKind
{
    /// <summary>No virtual host or no route matched: Envoy answers 404 (<c>route_not_found</c>).</summary>
    NoRoute,

    /// <summary>Forward upstream (Envoy's <c>route</c>).</summary>
    Forward,

    /// <summary>Answer with a redirect (Envoy's <c>redirect</c>).</summary>
    Redirect,

    /// <summary>Answer locally (Envoy's <c>direct_response</c>).</summary>
    DirectResponse,
}
