namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// Envoy's ROUND_ROBIN. Equal weights rotate through the hosts with a lock-free counter. Unequal weights follow
/// Envoy's earliest-deadline-first schedule (<see cref="WeightedSchedule"/>): exact proportions, smoothly interleaved.
/// One cycle of that schedule (sum of weights over their gcd picks) is computed when the host set is built and walked
/// with the same lock-free counter; a cycle longer than <see cref="MaxCycleLength"/> runs the schedule under a lock.
/// Like Envoy, the starting point is random so that proxies started together do not hit the same host in step.
/// </summary>
internal sealed class RoundRobinPicker : HostPicker
{
    /// <summary>Longest precomputed cycle (a 256 KiB table).</summary>
    public const int MaxCycleLength = 1 << 16;

    private readonly UpstreamHost[] _hosts;
    private readonly int[]? _cycle;
    private readonly WeightedSchedule? _schedule;
    private readonly Lock _lock = new();
    private long _next;

    public RoundRobinPicker(UpstreamHost[] hosts, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(random);
        _hosts = hosts;
        var weights = new uint[hosts.Length];
        var gcd = 0UL;
        var total = 0UL;
        for (var i = 0; i < hosts.Length; i++)
        {
            weights[i] = hosts[i].Weight;
            total += weights[i];
            gcd = Gcd(gcd, weights[i]);
        }

        var length = gcd == 0 ? 0 : total / gcd;
        if (length == (ulong)hosts.Length)
        {
            // Equal weights: plain rotation.
            _next = (long)(random.NextUInt64() % length) - 1;
            return;
        }

        if (length <= MaxCycleLength)
        {
            var schedule = new WeightedSchedule(weights);
            _cycle = new int[length];
            for (var i = 0; i < _cycle.Length; i++)
            {
                _cycle[i] = schedule.Next();
            }

            _next = (long)(random.NextUInt64() % length) - 1;
            return;
        }

        _schedule = new WeightedSchedule(weights);
        for (var skip = random.NextUInt64() % (ulong)hosts.Length; skip > 0; skip--)
        {
            _schedule.Next();
        }
    }

    public override UpstreamHost Pick()
    {
        if (_schedule is null)
        {
            var step = (ulong)Interlocked.Increment(ref _next);
            return _cycle is null
                ? _hosts[(int)(step % (ulong)_hosts.Length)]
                : _hosts[_cycle[(int)(step % (ulong)_cycle.Length)]];
        }

        lock (_lock)
        {
            return _hosts[_schedule.Next()];
        }
    }

    private static ulong Gcd(ulong a, ulong b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
