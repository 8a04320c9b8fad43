using System.Text;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>One compiled target of a route's <c>weighted_clusters</c>, with its own header changes.</summary>
public sealed class WeightedClusterEntry
{
    internal WeightedClusterEntry(WeightedClusterConfig config, HeaderMutationLevel?[] outerLevels, bool mostSpecificWins)
    {
        Config = config;
        NameUtf8 = Encoding.UTF8.GetBytes(config.Name);
        HostRewriteLiteral = string.IsNullOrEmpty(config.HostRewriteLiteral) ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(config.HostRewriteLiteral);

        // Envoy's WeightedClusterEntry::finalize*Headers evaluates its own headers, then the route's chain.
        var own = HeaderMutationLevel.Create(config.Headers);
        (RequestLevels, ResponseLevels) = HeaderMutationLevel.Order([own, .. mostSpecificWins ? outerLevels.Reverse() : outerLevels]);
    }

    public WeightedClusterConfig Config { get; }

    public string Name => Config.Name;

    public uint Weight => Config.Weight;

    public ReadOnlyMemory<byte> NameUtf8 { get; }

    /// <summary>
    /// This cluster's <c>host_rewrite_literal</c> as bytes; empty for none. Callers usually want
    /// <see cref="RouteDecision.TryGetHostRewriteLiteral"/>, which also weighs the route's own rewrite.
    /// </summary>
    public ReadOnlyMemory<byte> HostRewriteLiteral { get; }

    internal HeaderMutationLevel[] RequestLevels { get; }

    internal HeaderMutationLevel[] ResponseLevels { get; }
}
