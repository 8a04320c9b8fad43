namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// Randomness for routing decisions (weighted cluster pick, retry back-off jitter); injected so tests are
/// deterministic. Implementations used on event loops must be safe for concurrent use or owned by one loop.
/// </summary>
public interface IRandomSource
{
    /// <summary>A uniformly distributed 64-bit value.</summary>
    ulong NextUInt64();
}
