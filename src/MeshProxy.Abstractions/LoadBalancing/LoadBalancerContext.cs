namespace MeshProxy.Abstractions.LoadBalancing;

/// <summary>
/// What the caller knows about the request or connection being balanced. Round robin ignores it; hash-based policies
/// (ring hash, Maglev) will read <see cref="HashKey"/>.
/// </summary>
public readonly struct LoadBalancerContext
{
    public LoadBalancerContext(ulong? hashKey) => HashKey = hashKey;

    /// <summary>A hash of the request's affinity key (header, cookie, source address), when the route defines one.</summary>
    public ulong? HashKey { get; }

    public static LoadBalancerContext None => default;
}
