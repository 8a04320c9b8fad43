namespace MeshProxy.Core.Stats;

/// <summary>A monotonically increasing count. Fetch once at config time and keep the reference; increments are atomic.</summary>
public sealed class Counter
{
    private long _value;

    internal Counter(string name) => Name = name;

    public string Name { get; }

    public long Value => Volatile.Read(ref _value);

    public void Increment(long amount = 1) => Interlocked.Add(ref _value, amount);
}
