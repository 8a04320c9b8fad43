namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// <see cref="IRandom"/> over a <see cref="Random"/>. <see cref="Shared"/> wraps <see cref="Random.Shared"/> (thread-safe,
/// allocation-free); a seeded instance (<c>new SystemRandom(new Random(42))</c>) is for single-threaded tests.
/// </summary>
internal sealed class SystemRandom(Random random) : IRandom
{
    public static SystemRandom Shared { get; } = new(Random.Shared);

    // NextInt64 yields 63 uniform bits; the second draw supplies the top bit (and is XORed into the rest, which keeps
    // them uniform).
    public ulong NextUInt64() => (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 32);
}
