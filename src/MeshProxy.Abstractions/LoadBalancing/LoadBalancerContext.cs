using System.Net;

namespace MeshProxy.Abstractions.LoadBalancing;

/// <summary>
/// What the caller knows about the request or connection being balanced. Round robin ignores it; hash-based policies
/// (ring hash, Maglev) will read <see cref="HashKey"/>; cluster-provided balancing (ORIGINAL_DST) reads
/// <see cref="OriginalDestination"/>.
/// </summary>
public readonly struct LoadBalancerContext
{
    public LoadBalancerContext(ulong? hashKey) => HashKey = hashKey;

    /// <summary>A hash of the request's affinity key (header, cookie, source address), when the route defines one.</summary>
    public ulong? HashKey { get; }

    /// <summary>
    /// The downstream connection's destination before redirection (the original_dst listener filter), null when not
    /// known. An ORIGINAL_DST cluster connects there; other clusters ignore it.
    /// </summary>
    public IPEndPoint? OriginalDestination { get; init; }

    public static LoadBalancerContext None => default;
}
