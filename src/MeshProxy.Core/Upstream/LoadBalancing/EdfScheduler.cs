namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// Envoy's <c>EdfScheduler</c> for weights that change between picks (least request's <c>weight / (active + 1)^bias</c>,
/// locality effective weights): an entry added with weight w is due at now + 1/w; <see cref="Next"/> takes the
/// earliest (ties to the entry added first), advances now to its deadline, and the caller adds it back with its
/// current weight. Not thread-safe; no allocation after construction.
/// </summary>
internal sealed class EdfScheduler
{
    private readonly PriorityQueue<int, (double Deadline, long Order)> _queue;
    private double _now;
    private long _order;

    public EdfScheduler(int capacity) => _queue = new PriorityQueue<int, (double, long)>(capacity);

    public int Count => _queue.Count;

    /// <param name="index">The caller's index of the entry.</param>
    /// <param name="weight">Greater than zero.</param>
    public void Add(int index, double weight) => _queue.Enqueue(index, (_now + (1.0 / weight), _order++));

    /// <summary>Removes and returns the earliest entry; add it back to keep it scheduled.</summary>
    public int Next()
    {
        _queue.TryDequeue(out var index, out var priority);
        _now = priority.Deadline;
        return index;
    }
}
