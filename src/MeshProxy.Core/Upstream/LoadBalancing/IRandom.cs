namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// The randomness load balancers draw on (priority and locality choice, random and least-request picks, the hash of a
/// request without a hash key). Injected so tests are reproducible; production uses <see cref="SystemRandom.Shared"/>.
/// Implementations used by a live cluster are called from every event loop at once and must be thread-safe.
/// </summary>
internal interface IRandom
{
    /// <summary>A uniformly distributed 64-bit value.</summary>
    ulong NextUInt64();
}
