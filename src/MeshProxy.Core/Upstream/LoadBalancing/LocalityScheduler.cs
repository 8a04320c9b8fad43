namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// Envoy's locality pick (<c>chooseHealthyLocality</c> / <c>chooseDegradedLocality</c>): an earliest-deadline-first
/// schedule over the localities' effective weights, so traffic splits in their proportion, smoothly. Localities of
/// weight 0 are never chosen. Thread-safe (a short lock).
/// </summary>
internal sealed class LocalityScheduler
{
    private readonly double[] _weights;
    private readonly EdfScheduler _scheduler;
    private readonly Lock _lock = new();

    private LocalityScheduler(double[] weights)
    {
        _weights = weights;
        _scheduler = new EdfScheduler(weights.Length);
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] > 0)
            {
                _scheduler.Add(i, weights[i]);
            }
        }
    }

    /// <summary>A scheduler, or null when no locality has a positive weight.</summary>
    public static LocalityScheduler? Create(double[] effectiveWeights) =>
        effectiveWeights.Any(w => w > 0) ? new LocalityScheduler(effectiveWeights) : null;

    /// <summary>The index of the next locality.</summary>
    public int Next()
    {
        lock (_lock)
        {
            var index = _scheduler.Next();
            _scheduler.Add(index, _weights[index]);
            return index;
        }
    }
}
