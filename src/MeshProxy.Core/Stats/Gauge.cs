namespace MeshProxy.Core.Stats;

/// <summary>A value that goes up and down (active connections). Fetch once at config time and keep the reference.</summary>
public sealed class Gauge
{
    private long _value;

    internal Gauge(string name) => Name = name;

    public string Name { get; }

    public long Value => Volatile.Read(ref _value);

    public void Increment(long amount = 1) => Interlocked.Add(ref _value, amount);

    public void Decrement(long amount = 1) => Interlocked.Add(ref _value, -amount);

    public void Set(long value) => Volatile.Write(ref _value, value);
}
