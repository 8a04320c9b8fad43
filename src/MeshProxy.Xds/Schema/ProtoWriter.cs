using System.Buffers;
using System.Buffers.Binary;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// Protobuf wire format into a growable pooled buffer, with what writing from JSON needs beyond a
/// <c>CodedOutputStream</c>: a length prefix is written after its content (one byte is reserved, and the content moved
/// along only when the length needs more), and each message is left as Google.Protobuf would serialize it: fields in
/// number order, a field given twice holding its last value, a map key given twice its last value at its first place.
/// That canonical form is what makes an <c>Any</c> built here equal, byte for byte, to one built by its <c>JsonParser</c>.
/// </summary>
/// <remarks>
/// Each field a message's JSON sets is recorded as a segment (field number and byte range). JSON in the order of the
/// field numbers, the common case, leaves the segments ascending and nothing moves; otherwise the message's bytes are
/// copied once in number order.
/// </remarks>
internal sealed class ProtoWriter : IDisposable
{
    private byte[] _buffer;
    private int _position;
    private Segment[] _segments;
    private int _segmentCount;
    private int[] _keyHashes;
    private int _keyHashCount;

    public ProtoWriter(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
        _segments = ArrayPool<Segment>.Shared.Rent(64);
        _keyHashes = ArrayPool<int>.Shared.Rent(64);
    }

    /// <summary>How a field's segments combine when the JSON gives the field more than once.</summary>
    public enum FieldKind : byte
    {
        /// <summary>The last one counts.</summary>
        Singular,

        /// <summary>Appended, after the last that clears the field (a JSON null).</summary>
        Repeated,

        /// <summary>Appended into one packed record.</summary>
        Packed,

        /// <summary>Entries appended; a key seen before takes the new value in its old place.</summary>
        Map,
    }

    public int Position => _position;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    public ReadOnlySpan<byte> Slice(int start, int end) => _buffer.AsSpan(start, end - start);

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        var buffer = _buffer;
        var position = _position;
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[position++] = (byte)value;
        _position = position;
    }

    public void WriteFixed32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void WriteFixed64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    public void WriteLengthDelimited(ReadOnlySpan<byte> bytes)
    {
        WriteVarint((uint)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Room for <paramref name="size"/> bytes at the end; <see cref="Advance"/> by what was used.</summary>
    public Span<byte> GetSpan(int size)
    {
        Ensure(size);
        return _buffer.AsSpan(_position, size);
    }

    public void Advance(int count) => _position += count;

    /// <summary>Drops everything written from <paramref name="position"/> on.</summary>
    public void Rewind(int position) => _position = position;

    /// <summary>Starts a length-delimited value of a length not known yet; the mark goes to <see cref="EndLengthDelimited"/>.</summary>
    public int BeginLengthDelimited()
    {
        Ensure(1);
        return _position++;
    }

    /// <summary>The length of the content written since <paramref name="mark"/>, in front of it.</summary>
    public int EndLengthDelimited(int mark)
    {
        var length = _position - mark - 1;
        if (length < 0x80)
        {
            _buffer[mark] = (byte)length;
            return length;
        }

        var size = VarintSize((uint)length);
        Ensure(size - 1);
        _buffer.AsSpan(mark + 1, length).CopyTo(_buffer.AsSpan(mark + size));
        var value = (uint)length;
        for (var i = 0; i < size - 1; i++)
        {
            _buffer[mark + i] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[mark + size - 1] = (byte)value;
        _position += size - 1;
        return length;
    }

    /// <summary>Where the current message's segments begin; goes to <see cref="CompleteMessage"/>.</summary>
    public int SegmentMark => _segmentCount;

    /// <summary>Records that the bytes from <paramref name="start"/> to here set field <paramref name="field"/>.</summary>
    /// <param name="clears">A JSON null: the field's earlier segments no longer count.</param>
    public void AddSegment(int field, int start, FieldKind kind, bool clears = false)
    {
        if (_segmentCount == _segments.Length)
        {
            Grow(ref _segments, _segmentCount * 2);
        }

        _segments[_segmentCount++] = new Segment(field, start, _position, kind, clears);
    }

    /// <summary>Puts the message written from <paramref name="start"/> (segments from <paramref name="mark"/>) in canonical form.</summary>
    public void CompleteMessage(int start, int mark)
    {
        var count = _segmentCount - mark;
        _segmentCount = mark;
        var ascending = true;
        for (var i = mark + 1; i < mark + count && ascending; i++)
        {
            ascending = _segments[i].Field > _segments[i - 1].Field;
        }

        if (!ascending)
        {
            Reorder(start, _segments.AsSpan(mark, count));
        }
    }

    /// <summary>Where the current map's keys begin; goes to <see cref="HasDuplicateKeys"/>.</summary>
    public int KeyMark => _keyHashCount;

    /// <summary>Remembers a map entry's key (its encoded key field, from <paramref name="start"/> to here).</summary>
    public void AddKey(int start)
    {
        if (_keyHashCount == _keyHashes.Length)
        {
            Grow(ref _keyHashes, _keyHashCount * 2);
        }

        var hash = new HashCode();
        hash.AddBytes(_buffer.AsSpan(start, _position - start));
        _keyHashes[_keyHashCount++] = hash.ToHashCode();
    }

    /// <summary>Whether two keys since <paramref name="mark"/> may be equal (same hash); forgets them.</summary>
    public bool HasDuplicateKeys(int mark)
    {
        var hashes = _keyHashes.AsSpan(mark, _keyHashCount - mark);
        _keyHashCount = mark;
        if (hashes.Length < 2)
        {
            return false;
        }

        hashes.Sort();
        for (var i = 1; i < hashes.Length; i++)
        {
            if (hashes[i] == hashes[i - 1])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Map entries from <paramref name="start"/> to here with each key once: at its first place, with its last value.</summary>
    public void DeduplicateEntries(int start)
    {
        _position = start + DeduplicateEntries(_buffer.AsSpan(start, _position - start));
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        ArrayPool<Segment>.Shared.Return(_segments);
        ArrayPool<int>.Shared.Return(_keyHashes);
        _buffer = [];
        _segments = [];
        _keyHashes = [];
    }

    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    // Fields out of number order, or given twice: copy each field's surviving bytes out in number order, then back.
    private void Reorder(int start, Span<Segment> segments)
    {
        // By field, then by place: a field's segments keep their JSON order, which decides which survive.
        segments.Sort(static (a, b) => a.Field != b.Field ? a.Field.CompareTo(b.Field) : a.Start.CompareTo(b.Start));

        var total = _position - start;
        var temp = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            var written = 0;
            for (var i = 0; i < segments.Length;)
            {
                var end = i + 1;
                while (end < segments.Length && segments[end].Field == segments[i].Field)
                {
                    end++;
                }

                written += CopyField(segments[i..end], temp.AsSpan(written));
                i = end;
            }

            temp.AsSpan(0, written).CopyTo(_buffer.AsSpan(start));
            _position = start + written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
        }
    }

    // One field's segments (all of it, in JSON order) into destination; returns the bytes written.
    private int CopyField(ReadOnlySpan<Segment> segments, Span<byte> destination)
    {
        var kind = segments[0].Kind;
        if (kind == FieldKind.Singular)
        {
            return Copy(segments[^1], destination);
        }

        var first = 0;
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i].Clears)
            {
                first = i + 1;
            }
        }

        segments = segments[first..];
        if (kind == FieldKind.Packed && segments.Length > 1)
        {
            return MergePacked(segments, destination);
        }

        var written = 0;
        foreach (var segment in segments)
        {
            written += Copy(segment, destination[written..]);
        }

        return kind == FieldKind.Map && segments.Length > 1 ? DeduplicateEntries(destination[..written]) : written;
    }

    private int Copy(Segment segment, Span<byte> destination)
    {
        _buffer.AsSpan(segment.Start, segment.End - segment.Start).CopyTo(destination);
        return segment.End - segment.Start;
    }

    // Several packed records of one field (the field given twice) as the one record Google.Protobuf writes.
    private int MergePacked(ReadOnlySpan<Segment> segments, Span<byte> destination)
    {
        uint tag = 0;
        var payload = 0;
        foreach (var segment in segments)
        {
            var reader = new WireReader(_buffer.AsSpan(segment.Start, segment.End - segment.Start));
            if (reader.TryReadTag(out var field, out var wire))
            {
                tag = (uint)field << 3 | (uint)wire;
                payload += reader.ReadLengthDelimited().Length;
            }
        }

        if (payload == 0)
        {
            return 0;
        }

        var written = WriteVarint(destination, tag);
        written += WriteVarint(destination[written..], (uint)payload);
        foreach (var segment in segments)
        {
            var reader = new WireReader(_buffer.AsSpan(segment.Start, segment.End - segment.Start));
            if (reader.TryReadTag(out _, out _))
            {
                var values = reader.ReadLengthDelimited();
                values.CopyTo(destination[written..]);
                written += values.Length;
            }
        }

        return written;
    }

    // Rare (a key twice in one JSON object, or a map field given twice): entries found by the hash of their key bytes.
    private static int DeduplicateEntries(Span<byte> entries)
    {
        var ranges = new List<(int Start, int End, int KeyStart, int KeyEnd)>();
        var reader = new WireReader(entries);
        var position = 0;
        while (reader.TryReadTag(out _, out _))
        {
            var body = reader.ReadLengthDelimited();
            var bodyStart = reader.Position - body.Length;
            var keyReader = new WireReader(body);
            var keyEnd = bodyStart;
            if (keyReader.TryReadTag(out var field, out var wire) && field == 1)
            {
                keyReader.Skip(wire, field);
                keyEnd = bodyStart + keyReader.Position;
            }

            ranges.Add((position, reader.Position, bodyStart, keyEnd));
            position = reader.Position;
        }

        // For each key's first entry, the index of its last.
        var latest = new int[ranges.Count];
        var firsts = new List<int>(ranges.Count);
        var byHash = new Dictionary<int, List<int>>();
        for (var i = 0; i < ranges.Count; i++)
        {
            var key = entries[ranges[i].KeyStart..ranges[i].KeyEnd];
            var hash = new HashCode();
            hash.AddBytes(key);
            if (!byHash.TryGetValue(hash.ToHashCode(), out var candidates))
            {
                byHash[hash.ToHashCode()] = candidates = [];
            }

            var first = -1;
            foreach (var candidate in candidates)
            {
                var (_, _, keyStart, keyEnd) = ranges[candidate];
                if (entries[keyStart..keyEnd].SequenceEqual(key))
                {
                    first = candidate;
                    break;
                }
            }

            if (first < 0)
            {
                candidates.Add(i);
                firsts.Add(i);
                latest[i] = i;
            }
            else
            {
                latest[first] = i;
            }
        }

        if (firsts.Count == ranges.Count)
        {
            return entries.Length;
        }

        var copy = entries.ToArray();
        var written = 0;
        foreach (var first in firsts)
        {
            var (start, end, _, _) = ranges[latest[first]];
            copy.AsSpan(start, end - start).CopyTo(entries[written..]);
            written += end - start;
        }

        return written;
    }

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _position < count)
        {
            Grow(ref _buffer, Math.Max(_buffer.Length * 2, _position + count));
        }
    }

    private static void Grow<T>(ref T[] array, int size)
    {
        var larger = ArrayPool<T>.Shared.Rent(size);
        array.AsSpan().CopyTo(larger);
        ArrayPool<T>.Shared.Return(array);
        array = larger;
    }

    private readonly record struct Segment(int Field, int Start, int End, FieldKind Kind, bool Clears);
}
