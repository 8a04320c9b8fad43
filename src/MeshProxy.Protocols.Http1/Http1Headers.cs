using System.Buffers;
using System.Text;

namespace MeshProxy.Protocols.Http1;

/// <summary>
/// A reusable list of fields for one connection: names and values copied into one pooled byte buffer, entries in a
/// pooled array, and the first index of each <see cref="Http1KnownHeader"/> for O(1) lookup. <see cref="Clear"/>
/// keeps the buffers, so after warm-up a message costs no allocation. Not thread-safe; dispose to return the buffers.
/// </summary>
public sealed class Http1Headers : IDisposable
{
    private const int InitialBytes = 2048;
    private const int InitialEntries = 16;

    private readonly short[] _first = new short[Http1KnownHeaders.Count];
    private byte[] _bytes;
    private Entry[] _entries;
    private int _used;
    private int _count;

    public Http1Headers()
    {
        _bytes = ArrayPool<byte>.Shared.Rent(InitialBytes);
        _entries = ArrayPool<Entry>.Shared.Rent(InitialEntries);
        Array.Fill(_first, (short)-1);
    }

    public int Count => _count;

    public Http1Header this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
            ref readonly var e = ref _entries[index];
            return new Http1Header(
                _bytes.AsSpan(e.NameStart, e.NameLength),
                _bytes.AsSpan(e.ValueStart, e.ValueLength),
                e.Known,
                e.HopByHop);
        }
    }

    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Add(Http1KnownHeaders.Lookup(name), name, value);

    public void Add(Http1KnownHeader known, ReadOnlySpan<byte> value) => Add(known, Http1KnownHeaders.GetName(known), value);

    public void Add(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        Add(Encoding.ASCII.GetBytes(name), Encoding.Latin1.GetBytes(value));
    }

    /// <summary>Replaces every field with this name by one field.</summary>
    public void Set(Http1KnownHeader known, ReadOnlySpan<byte> value)
    {
        Remove(known);
        Add(known, value);
    }

    public bool Contains(Http1KnownHeader known) => known != Http1KnownHeader.None && _first[(int)known] >= 0;

    /// <summary>The first value of a known header.</summary>
    public bool TryGetValue(Http1KnownHeader known, out ReadOnlySpan<byte> value)
    {
        var index = known == Http1KnownHeader.None ? -1 : _first[(int)known];
        if (index < 0)
        {
            value = default;
            return false;
        }

        ref readonly var e = ref _entries[index];
        value = _bytes.AsSpan(e.ValueStart, e.ValueLength);
        return true;
    }

    /// <summary>The first value of a header by name, ignoring case.</summary>
    public bool TryGetValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var known = Http1KnownHeaders.Lookup(name);
        if (known != Http1KnownHeader.None)
        {
            return TryGetValue(known, out value);
        }

        for (var i = 0; i < _count; i++)
        {
            ref readonly var e = ref _entries[i];
            if (Ascii.EqualsIgnoreCase(_bytes.AsSpan(e.NameStart, e.NameLength), name))
            {
                value = _bytes.AsSpan(e.ValueStart, e.ValueLength);
                return true;
            }
        }

        value = default;
        return false;
    }

    public string? GetString(Http1KnownHeader known) =>
        TryGetValue(known, out var value) ? Encoding.Latin1.GetString(value) : null;

    /// <summary>Removes every field of this identity; returns how many.</summary>
    public int Remove(Http1KnownHeader known)
    {
        if (!Contains(known))
        {
            return 0;
        }

        return RemoveWhere(known, []);
    }

    /// <summary>Removes every field with this name (ignoring case); returns how many.</summary>
    public int Remove(ReadOnlySpan<byte> name)
    {
        var known = Http1KnownHeaders.Lookup(name);
        return known != Http1KnownHeader.None ? Remove(known) : RemoveWhere(Http1KnownHeader.None, name);
    }

    public void Clear()
    {
        _count = 0;
        _used = 0;
        Array.Fill(_first, (short)-1);
    }

    public void Dispose()
    {
        var bytes = _bytes;
        var entries = _entries;
        _bytes = [];
        _entries = [];
        _count = 0;
        _used = 0;
        if (bytes.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }

        if (entries.Length > 0)
        {
            ArrayPool<Entry>.Shared.Return(entries);
        }
    }

    internal void Add(Http1KnownHeader known, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_count == _entries.Length)
        {
            GrowEntries();
        }

        var nameStart = Store(name);
        var valueStart = Store(value);
        _entries[_count] = new Entry
        {
            NameStart = nameStart,
            NameLength = name.Length,
            ValueStart = valueStart,
            ValueLength = value.Length,
            Known = known,
            HopByHop = Http1KnownHeaders.IsHopByHop(known),
        };
        if (known != Http1KnownHeader.None && _first[(int)known] < 0 && _count <= short.MaxValue)
        {
            _first[(int)known] = (short)_count;
        }

        _count++;
    }

    /// <summary>Copies bytes that belong to the message but are not a field (request target, reason) into the store.</summary>
    internal int Store(ReadOnlySpan<byte> bytes)
    {
        if (_used + bytes.Length > _bytes.Length)
        {
            GrowBytes(_used + bytes.Length);
        }

        var start = _used;
        bytes.CopyTo(_bytes.AsSpan(start));
        _used += bytes.Length;
        return start;
    }

    internal ReadOnlySpan<byte> GetStored(int start, int length) => _bytes.AsSpan(start, length);

    /// <summary>Marks the fields named by Connection options as hop-by-hop (RFC 9110 section 7.6.1).</summary>
    internal void MarkConnectionOptions()
    {
        for (var c = 0; c < _count; c++)
        {
            if (_entries[c].Known != Http1KnownHeader.Connection)
            {
                continue;
            }

            var list = (ReadOnlySpan<byte>)_bytes.AsSpan(_entries[c].ValueStart, _entries[c].ValueLength);
            while (Http1Semantics.NextElement(ref list, out var option))
            {
                for (var i = 0; i < _count; i++)
                {
                    ref var e = ref _entries[i];
                    if (!e.HopByHop && Ascii.EqualsIgnoreCase(_bytes.AsSpan(e.NameStart, e.NameLength), option))
                    {
                        e.HopByHop = true;
                    }
                }
            }
        }
    }

    private int RemoveWhere(Http1KnownHeader known, ReadOnlySpan<byte> name)
    {
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            ref readonly var e = ref _entries[i];
            var match = known != Http1KnownHeader.None
                ? e.Known == known
                : e.Known == Http1KnownHeader.None && Ascii.EqualsIgnoreCase(_bytes.AsSpan(e.NameStart, e.NameLength), name);
            if (!match)
            {
                _entries[kept++] = e;
            }
        }

        var removed = _count - kept;
        _count = kept;
        Array.Fill(_first, (short)-1);
        for (var i = 0; i < _count; i++)
        {
            var k = _entries[i].Known;
            if (k != Http1KnownHeader.None && _first[(int)k] < 0)
            {
                _first[(int)k] = (short)i;
            }
        }

        return removed;
    }

    private void GrowBytes(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _bytes.Length * 2));
        _bytes.AsSpan(0, _used).CopyTo(larger);
        if (_bytes.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
        }

        _bytes = larger;
    }

    private void GrowEntries()
    {
        var larger = ArrayPool<Entry>.Shared.Rent(Math.Max(InitialEntries, _entries.Length * 2));
        _entries.AsSpan(0, _count).CopyTo(larger);
        if (_entries.Length > 0)
        {
            ArrayPool<Entry>.Shared.Return(_entries);
        }

        _entries = larger;
    }

    private struct Entry
    {
        public int NameStart;
        public int NameLength;
        public int ValueStart;
        public int ValueLength;
        public Http1KnownHeader Known;
        public bool HopByHop;
    }
}
