namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// Envoy's LEAST_REQUEST. Equal weights: sample <c>choice_count</c> hosts at random (with replacement) and take the
/// one with the fewest active requests, the first sampled on a tie ("power of two choices" by default). Unequal
/// weights: an earliest-deadline-first schedule whose entry for a host is re-added after each pick with weight
/// <c>weight / (active_requests + 1)^active_request_bias</c> (bias 0 is weighted round robin), under a lock.
/// </summary>
internal sealed class LeastRequestPicker : HostPicker
{
    private readonly UpstreamHost[] _hosts;
    private readonly IRandom _random;
    private readonly uint _choiceCount;
    private readonly double _bias;
    private readonly EdfScheduler? _scheduler;
    private readonly Lock _lock = new();

    public LeastRequestPicker(UpstreamHost[] hosts, IRandom random, uint choiceCount, double activeRequestBias)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(random);
        _hosts = hosts;
        _random = random;
        _choiceCount = Math.Max(2u, choiceCount);
        _bias = activeRequestBias;
        if (hosts.Any(h => h.Weight != hosts[0].Weight))
        {
            _scheduler = new EdfScheduler(hosts.Length);
            for (var i = 0; i < hosts.Length; i++)
            {
                _scheduler.Add(i, EffectiveWeight(hosts[i]));
            }
        }
    }

    public override UpstreamHost Pick()
    {
        if (_scheduler is null)
        {
            var length = (ulong)_hosts.Length;
            var candidate = _hosts[(int)(_random.NextUInt64() % length)];
            for (var i = 1u; i < _choiceCount; i++)
            {
                var sampled = _hosts[(int)(_random.NextUInt64() % length)];
                if (sampled.ActiveRequests < candidate.ActiveRequests)
                {
                    candidate = sampled;
                }
            }

            return candidate;
        }

        lock (_lock)
        {
            var index = _scheduler.Next();
            var host = _hosts[index];
            _scheduler.Add(index, EffectiveWeight(host));
            return host;
        }
    }

    private double EffectiveWeight(UpstreamHost host)
    {
        double weight = host.Weight;
        var active = (double)host.ActiveRequests + 1;
        return _bias switch
        {
            0.0 => weight,
            1.0 => weight / active,
            _ => weight / Math.Pow(active, _bias),
        };
    }
}
