using MeshProxy.Core.Hashing;
namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>
/// Envoy's MAGLEV lookup table (Eisenbud et al., pseudocode listing 1, with Envoy's weighting). Each host has a
/// permutation of the slots: <c>offset = xxHash64(address, 0) % M</c>, <c>skip = xxHash64(address, 1) % (M - 1) + 1</c>,
/// slot n = <c>(offset + skip * n) % M</c>. Rounds go over the hosts in order; in round r a host of normalized weight
/// w takes its next free slot when <c>r * w &gt;= target</c>, and its target then grows by the largest weight, so a
/// host of the largest weight claims a slot every round and one of a third of it every third round. A request maps to
/// slot <c>hash % M</c>. M must be prime (default 65537).
/// </summary>
internal sealed class MaglevTable : HashTable
{
    private readonly UpstreamHost[] _table;

    public MaglevTable(IReadOnlyList<WeightedHost> hosts, ulong tableSize)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var entries = new Entry[hosts.Count];
        var maxWeight = 0.0;
        Span<byte> key = stackalloc byte[96];
        for (var i = 0; i < entries.Length; i++)
        {
            var address = HashKey(hosts[i].Host, null, key);
            entries[i] = new Entry
            {
                Offset = XxHash64.Hash(address) % tableSize,
                Skip = (XxHash64.Hash(address, 1) % (tableSize - 1)) + 1,
                Weight = hosts[i].Weight,
            };
            maxWeight = Math.Max(maxWeight, hosts[i].Weight);
        }

        _table = new UpstreamHost[tableSize];
        var filled = 0UL;
        for (var round = 1UL; filled < tableSize; round++)
        {
            for (var i = 0; i < entries.Length && filled < tableSize; i++)
            {
                ref var entry = ref entries[i];
                if (round * entry.Weight < entry.Target)
                {
                    continue;
                }

                entry.Target += maxWeight;
                var slot = (entry.Offset + (entry.Skip * entry.Next)) % tableSize;
                while (_table[slot] is not null)
                {
                    entry.Next++;
                    slot = (entry.Offset + (entry.Skip * entry.Next)) % tableSize;
                }

                _table[slot] = hosts[i].Host;
                entry.Next++;
                filled++;
            }
        }
    }

    public override UpstreamHost Pick(ulong hash) => _table[hash % (ulong)_table.Length];

    private struct Entry
    {
        public ulong Offset;
        public ulong Skip;
        public ulong Next;
        public double Weight;
        public double Target;
    }
}
