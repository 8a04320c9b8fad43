using System.Net;

namespace MeshProxy.Abstractions.LoadBalancing;

/// <summary>
/// What the caller knows about the request or connection being balanced. Round robin, least request and random ignore
/// it; hash-based policies (ring hash, Maglev) read <see cref="HashKey"/> and, as Envoy does, pick as if by a random
/// hash when it is null; cluster-provided balancing (ORIGINAL_DST) reads <see cref="OriginalDestination"/>.
/// </summary>
public readonly struct LoadBalancerContext
{
    public LoadBalancerContext(ulong? hashKey) => HashKey = hashKey;

    /// <summary>
    /// A 64-bit hash of the request's affinity key (header, cookie, source address), when the route defines a hash
    /// policy. Envoy hashes those keys with xxHash64; the same value maps to the same host while the host set is unchanged.
    /// </summary>
    public ulong? HashKey { get; }

    /// <summary>
    /// The downstream connection's destination before redirection (the original_dst listener filter), null when not
    /// known. An ORIGINAL_DST cluster connects there; other clusters ignore it.
    /// </summary>
    public IPEndPoint? OriginalDestination { get; init; }

    public static LoadBalancerContext None => default;
}
