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

        // Envoy's WeightedClusterEntry::finalize*Headers evaluates its own headers, then the route's chain.
        var own = HeaderMutationLevel.Create(config.Headers);
        (RequestLevels, ResponseLevels) = HeaderMutationLevel.Order([own, .. mostSpecificWins ? outerLevels.Reverse() : outerLevels]);
    }

    public WeightedClusterConfig Config { get; }

    public string Name => Config.Name;

    public uint Weight => Config.Weight;

    public ReadOnlyMemory<byte> NameUtf8 { get; }

    internal HeaderMutationLevel[] RequestLevels { get; }

    internal HeaderMutationLevel[] ResponseLevels { get; }
}
