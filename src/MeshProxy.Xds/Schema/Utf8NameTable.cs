namespace MeshProxy.Xds.Schema;

/// <summary>
/// A read-only map from UTF-8 names to values, looked up by the bytes a JSON reader hands out, so matching a property
/// or enum name allocates nothing (no string per name, as a <c>Dictionary&lt;string, T&gt;</c> would need).
/// </summary>
internal sealed class Utf8NameTable<T>
    where T : class
{
    private readonly byte[][] _names;
    private readonly T[] _values;
    private readonly int[] _buckets; // index + 1 into _names; 0 = empty
    private readonly int _mask;

    /// <param name="entries">Names and values; the first of two equal names wins.</param>
    public Utf8NameTable(IReadOnlyList<KeyValuePair<string, T>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var size = 4;
        while (size < entries.Count * 2)
        {
            size <<= 1;
        }

        _mask = size - 1;
        _buckets = new int[size];
        var names = new List<byte[]>(entries.Count);
        var values = new List<T>(entries.Count);
        foreach (var (name, value) in entries)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(name);
            var bucket = Hash(bytes) & _mask;
            var duplicate = false;
            while (_buckets[bucket] != 0)
            {
                if (names[_buckets[bucket] - 1].AsSpan().SequenceEqual(bytes))
                {
                    duplicate = true;
                    break;
                }

                bucket = (bucket + 1) & _mask;
            }

            if (!duplicate)
            {
                names.Add(bytes);
                values.Add(value);
                _buckets[bucket] = names.Count;
            }
        }

        _names = [.. names];
        _values = [.. values];
    }

    public T? Find(ReadOnlySpan<byte> name)
    {
        var bucket = Hash(name) & _mask;
        while (_buckets[bucket] is var index and not 0)
        {
            if (_names[index - 1].AsSpan().SequenceEqual(name))
            {
                return _values[index - 1];
            }

            bucket = (bucket + 1) & _mask;
        }

        return null;
    }

    // FNV-1a: names are short and come from a schema, not from an adversary (an unknown name only probes).
    private static int Hash(ReadOnlySpan<byte> name)
    {
        var hash = 2166136261u;
        foreach (var b in name)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash ^ (hash >> 15));
    }
}
