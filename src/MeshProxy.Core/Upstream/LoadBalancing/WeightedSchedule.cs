namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// Envoy's earliest-deadline-first schedule over fixed integer weights: a host of weight w is due at 1/w, 2/w, 3/w...
/// and each step takes the earliest due; equal deadlines go to the entry queued first. Over sum(w)/gcd(w) steps every
/// host is taken exactly w/gcd times, interleaved (1,2,3 gives C B C A B C). Deadlines are computed from the pick count
/// (n/w), not accumulated, so no rounding drift breaks the exact proportions. Not thread-safe.
/// </summary>
internal sealed class WeightedSchedule
{
    private readonly uint[] _weights;
    private readonly long[] _picks;
    private readonly PriorityQueue<int, (double Deadline, long Order)> _queue;
    private long _order;

    public WeightedSchedule(uint[] weights)
    {
        _weights = weights;
        _picks = new long[weights.Length];
        _queue = new PriorityQueue<int, (double, long)>(weights.Length);
        for (var i = 0; i < weights.Length; i++)
        {
            _queue.Enqueue(i, (1.0 / weights[i], _order++));
        }
    }

    public int Next()
    {
        var index = _queue.Dequeue();
        var picks = ++_picks[index];
        _queue.Enqueue(index, ((picks + 1) / (double)_weights[index], _order++));
        return index;
    }
}
