namespace MeshProxy.Core.Http.Routing;

/// <summary>An <see cref="IRandomSource"/> over <see cref="Random"/>: <see cref="Shared"/> is thread-safe; a seeded one is not.</summary>
public sealed class RandomSource(Random random) : IRandomSource
{
    public static RandomSource Shared { get; } = new(Random.Shared);

    public ulong NextUInt64()
    {
        // NextInt64() never sets the top bit; two draws give all 64.
        var high = (ulong)random.Next() << 32;
        return high ^ (ulong)random.NextInt64();
    }
}
