namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// The result of routing one request: the matched <see cref="Routing.Route"/> (everything about the action lives
/// there, built once) plus the per-request choice of weighted cluster. A struct of two references: no allocation,
/// safe to keep on the stream for retries and the response.
/// </summary>
public readonly struct RouteDecision
{
    internal RouteDecision(Route route, WeightedClusterEntry? weightedCluster)
    {
        Route = route;
        WeightedCluster = weightedCluster;
    }

    public static RouteDecision NoRoute => default;

    public RouteDecisionKind Kind => Route?.Kind ?? RouteDecisionKind.NoRoute;

    public Route? Route { get; }

    public VirtualHost? VirtualHost => Route?.VirtualHost;

    /// <summary>The weighted cluster picked for this request; null for other cluster specifiers.</summary>
    public WeightedClusterEntry? WeightedCluster { get; }

    /// <summary>The target cluster when it is known without the request: <c>cluster</c> or the picked weighted cluster; null for <c>cluster_header</c>.</summary>
    public string? ClusterName => WeightedCluster?.Name ?? Route?.Cluster;

    /// <summary>
    /// The target cluster's name as UTF-8, reading the request for <c>cluster_header</c>. False when the header is
    /// absent (Envoy then answers 404) or the decision does not forward.
    /// </summary>
    public bool TryGetClusterName(IHttpRequestView request, out ReadOnlySpan<byte> clusterName)
    {
        ArgumentNullException.ThrowIfNull(request);
        clusterName = default;
        if (WeightedCluster is { } weighted)
        {
            clusterName = weighted.NameUtf8.Span;
            return true;
        }

        if (Route is not { Kind: RouteDecisionKind.Forward } route)
        {
            return false;
        }

        if (route.ClusterHeaderUtf8 is { } header)
        {
            return RequestHeaders.TryGet(request, header, 0, out clusterName) && !clusterName.IsEmpty;
        }

        clusterName = route.ClusterUtf8.Span;
        return true;
    }

    /// <summary>
    /// The literal upstream host for this decision: the route's <c>host_rewrite_literal</c> when set, else the picked
    /// weighted cluster's. Envoy's order: the weighted cluster sets the host first, then the route's finalization sets
    /// its own rewrite over it; an empty literal rewrites nothing. <c>auto_host_rewrite</c> (<see cref="Route.AutoHostRewrite"/>)
    /// is applied after the host pick and overrides either. False when nothing is to be rewritten.
    /// </summary>
    public bool TryGetHostRewriteLiteral(out ReadOnlySpan<byte> host)
    {
        host = default;
        if (Route is not { Kind: RouteDecisionKind.Forward } route)
        {
            return false;
        }

        if (!route.HostRewriteLiteral.IsEmpty)
        {
            host = route.HostRewriteLiteral.Span;
            return true;
        }

        if (WeightedCluster is { HostRewriteLiteral.IsEmpty: false } weighted)
        {
            host = weighted.HostRewriteLiteral.Span;
            return true;
        }

        return false;
    }

    /// <summary>Applies <c>request_headers_to_add/remove</c> of the weighted cluster, route, virtual host and table, in Envoy's order.</summary>
    public void ApplyRequestHeaders(IHttpRequestView request, IHttpHeaderMutator headers, in HeaderFormatContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(headers);
        if (Route is { } route)
        {
            HeaderMutationLevel.ApplyAll(WeightedCluster?.RequestLevels ?? route.RequestLevels, response: false, request, headers, context);
        }
    }

    /// <summary>Applies <c>response_headers_to_add/remove</c> (values may read the request, as <c>%REQ(...)%</c>).</summary>
    public void ApplyResponseHeaders(IHttpRequestView request, IHttpHeaderMutator headers, in HeaderFormatContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(headers);
        if (Route is { } route)
        {
            HeaderMutationLevel.ApplyAll(WeightedCluster?.ResponseLevels ?? route.ResponseLevels, response: true, request, headers, context);
        }
    }
}
