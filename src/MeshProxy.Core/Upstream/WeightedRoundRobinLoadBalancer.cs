using MeshProxy.Abstractions.LoadBalancing;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// Envoy's ROUND_ROBIN honouring weights, as smooth weighted round robin (nginx's algorithm): each pick adds every
/// host's weight to its running score, takes the highest score and subtracts the total weight from it. Deterministic,
/// exact over every window of total-weight picks (3:1 gives A A B A, repeating) and interleaved rather than bursty.
/// Equal weights take a lock-free counter instead.
/// </summary>
internal sealed class WeightedRoundRobinLoadBalancer : ILoadBalancer
{
    private readonly IUpstreamHost[] _hosts;
    private readonly long[] _weights;
    private readonly long[] _scores;
    private readonly long _totalWeight;
    private readonly bool _uniform;
    private readonly Lock _lock = new();
    private int _next = -1;

    public WeightedRoundRobinLoadBalancer(IReadOnlyList<IUpstreamHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        _hosts = new IUpstreamHost[hosts.Count];
        _weights = new long[hosts.Count];
        _scores = new long[hosts.Count];
        _uniform = true;
        for (var i = 0; i < hosts.Count; i++)
        {
            _hosts[i] = hosts[i];
            _weights[i] = Math.Max(1u, hosts[i].Weight);
            _totalWeight += _weights[i];
            _uniform &= _weights[i] == _weights[0];
        }
    }

    public IUpstreamHost? Pick(in LoadBalancerContext context)
    {
        switch (_hosts.Length)
        {
            case 0:
                return null;
            case 1:
                return _hosts[0];
        }

        if (_uniform)
        {
            return _hosts[(uint)Interlocked.Increment(ref _next) % (uint)_hosts.Length];
        }

        lock (_lock)
        {
            var best = 0;
            for (var i = 0; i < _scores.Length; i++)
            {
                _scores[i] += _weights[i];
                if (_scores[i] > _scores[best])
                {
                    best = i;
                }
            }

            _scores[best] -= _totalWeight;
            return _hosts[best];
        }
    }
}
