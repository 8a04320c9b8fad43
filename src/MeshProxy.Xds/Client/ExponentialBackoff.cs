namespace MeshProxy.Xds.Client;

/// <summary>
/// Full-jitter exponential backoff: the n-th consecutive failure waits a uniform random time in [0, min(max, base * 2^n)].
/// Full jitter spreads a fleet of sidecars reconnecting to a restarted istiod.
/// </summary>
internal sealed class ExponentialBackoff(TimeSpan baseDelay, TimeSpan maxDelay, Random random)
{
    private int _attempt;

    public TimeSpan Next()
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 30)));
        _attempt++;
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }

    public void Reset() => _attempt = 0;
}
