using System.Collections.Immutable;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// A <see cref="RouteTableConfig"/> compiled for the request path (Envoy's <c>ConfigImpl</c>): immutable and shared
/// by every stream; build it off the event loops when a snapshot arrives and swap the reference. Matching
/// (<see cref="Match"/>) allocates nothing.
/// </summary>
public sealed class RouteTable
{
    private readonly VirtualHostSelector _selector;

    private RouteTable(RouteTableConfig config)
    {
        Config = config;
        var tableLevel = HeaderMutationLevel.Create(config.Headers);
        VirtualHosts = [.. config.VirtualHosts.Select(h => new VirtualHost(h, tableLevel, config.MostSpecificHeaderMutationsWins))];
        _selector = new VirtualHostSelector(VirtualHosts, config.IgnorePortInHostMatching);
    }

    public static RouteTable Empty { get; } = new(new RouteTableConfig(string.Empty, []));

    public RouteTableConfig Config { get; }

    public string Name => Config.Name;

    public ImmutableArray<VirtualHost> VirtualHosts { get; }

    /// <summary>
    /// Compiles a table, header mutation order included (<see cref="RouteTableConfig.MostSpecificHeaderMutationsWins"/>).
    /// Throws <see cref="ArgumentException"/> for what the converter should have refused.
    /// </summary>
    public static RouteTable Build(RouteTableConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new RouteTable(config);
    }

    /// <summary>The virtual host for an authority (<c>Host</c>/<c>:authority</c> as received); null when none matches.</summary>
    public VirtualHost? FindVirtualHost(ReadOnlySpan<byte> authority) => _selector.Find(authority);

    /// <summary>The matched route; null when no virtual host or no route matches.</summary>
    public Route? FindRoute(IHttpRequestView request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _selector.Find(request.Authority)?.FindRoute(request);
    }

    /// <summary>Routes a request: the matched route and, for <c>weighted_clusters</c>, the cluster picked with <paramref name="random"/>.</summary>
    public RouteDecision Match(IHttpRequestView request, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var route = FindRoute(request);
        return route is null ? default : new RouteDecision(route, route.PickWeightedCluster(random));
    }
}
