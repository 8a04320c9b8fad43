using MeshProxy.Core.Hashing;
namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// Envoy's RING_HASH (ketama-style) ring. The ring is scaled so the lightest host gets a whole number of entries and
/// at least <c>min_ring_size</c> entries exist overall, capped at <c>max_ring_size</c>:
/// <c>scale = min(ceil(min_weight * min_size) / min_weight, max_size)</c>. Walking hosts in order with running sums,
/// host h receives entries until <c>scale * sum(weights so far)</c> is reached; entry i of a host is at
/// <c>xxHash64("{address}_{i}")</c>. A request maps to the first entry at or after its hash, wrapping to the start.
/// </summary>
internal sealed class RingHashTable : HashTable
{
    private readonly ulong[] _hashes;
    private readonly UpstreamHost[] _hosts;

    public RingHashTable(IReadOnlyList<WeightedHost> hosts, ulong minimumRingSize, ulong maximumRingSize)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var minWeight = 1.0;
        foreach (var host in hosts)
        {
            minWeight = Math.Min(minWeight, host.Weight);
        }

        var scale = Math.Min(Math.Ceiling(minWeight * minimumRingSize) / minWeight, maximumRingSize);
        var capacity = (int)Math.Ceiling(scale);
        var hashes = new List<ulong>(capacity);
        var owners = new List<UpstreamHost>(capacity);
        Span<byte> key = stackalloc byte[96];
        var current = 0.0;
        var target = 0.0;
        foreach (var (host, weight) in hosts)
        {
            target += scale * weight;
            for (long i = 0; current < target; i++, current++)
            {
                hashes.Add(XxHash64.Hash(HashKey(host, i, key)));
                owners.Add(host);
            }
        }

        _hashes = [.. hashes];
        _hosts = [.. owners];
        Array.Sort(_hashes, _hosts);
    }

    public int Size => _hashes.Length;

    public override UpstreamHost Pick(ulong hash)
    {
        // First entry whose hash is >= the request's; past the last one wraps to the first.
        int low = 0, high = _hashes.Length;
        while (low < high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            if (_hashes[middle] < hash)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return _hosts[low == _hashes.Length ? 0 : low];
    }
}
