using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// The walk behind <see cref="ProtoJsonWriter"/>: reads one message's wire bytes with <see cref="WireReader"/> and writes
/// protobuf JSON as Google.Protobuf's <c>JsonFormatter</c> would after parsing them (proto field names, presence rules,
/// well-known types).
/// </summary>
/// <remarks>
/// A message is first indexed: its field occurrences (from one chunk, or from every occurrence of a singular message
/// field, which parsing merges) go into a pooled <see cref="WireField"/> buffer, sorted by field number with wire order
/// kept. Each field's run then gives what a parser would have kept: the last occurrence of a scalar, all occurrences of
/// a repeated field (packed or not), the concatenation of a message's occurrences, the last member set of a oneof.
/// Runs are written in field-number order, as <c>JsonFormatter</c> does. Nested messages index into the same buffer
/// after their parent's fields and give the space back when written.
/// </remarks>
internal ref partial struct ProtoJsonEmitter
{
    // Google.Protobuf's default recursion limit for parsing: deeper input could not have come from a parsed message.
    // Counted across Any values too (JsonFormatter parses each afresh), so a chain of Anys cannot exhaust the stack.
    private const int MaxDepth = 100;

    private readonly Utf8JsonWriter _writer;
    private readonly ReadOnlySpan<byte> _root;
    private WireField[] _fields;
    private int _count;
    private PathFrame[] _path;
    private int _pathDepth;
    private int _messageDepth;

    public ProtoJsonEmitter(Utf8JsonWriter writer, ReadOnlySpan<byte> root)
    {
        _writer = writer;
        _root = root;
        _fields = ArrayPool<WireField>.Shared.Rent(64);
        _path = ArrayPool<PathFrame>.Shared.Rent(16);
    }

    /// <summary>The whole buffer as one message of <paramref name="schema"/> (a well-known type as its JSON value).</summary>
    public void WriteRoot(MessageSchema schema) => WriteMessageChunk(schema, 0, _root.Length);

    /// <summary>The whole buffer as <c>Any.Pack</c> of a message of <paramref name="schema"/> would be written.</summary>
    public void WriteRootAsAny(MessageSchema schema, string typeUrl)
    {
        var begin = Index(0, _root.Length);
        _messageDepth++;
        _writer.WriteStartObject();
        _writer.WriteString(AnyTypeUrlName, typeUrl);
        WriteAnyContent(schema, begin, _count);
        _writer.WriteEndObject();
        _messageDepth--;
        _count = begin;
    }

    /// <summary>Where the walk is (<c>static_resources.clusters[2].connect_timeout</c>), for an error thrown out of it.</summary>
    public readonly string Where()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < _pathDepth; i++)
        {
            var frame = _path[i];
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(frame.Name);
            if (frame.Index >= 0)
            {
                builder.Append('[').Append(frame.Index).Append(']');
            }
        }

        return builder.ToString();
    }

    public void Dispose()
    {
        ArrayPool<WireField>.Shared.Return(_fields);
        ArrayPool<PathFrame>.Shared.Return(_path, clearArray: true);
        _fields = [];
        _path = [];
    }

    private void WriteMessageChunk(MessageSchema schema, int start, int length)
    {
        var begin = Index(start, length);
        WriteMessage(schema, begin, _count);
        _count = begin;
    }

    /// <summary>Every occurrence of a message field in [from, to) after wire order <paramref name="after"/>, merged.</summary>
    private void WriteMergedMessage(MessageSchema schema, int from, int to, int after)
    {
        var begin = _count;
        for (var i = from; i < to; i++)
        {
            var field = _fields[i];
            if (field.WireType == WireReader.LengthDelimited && field.Order > after)
            {
                Append(field.Start, field.Length, begin);
            }
        }

        Sort(begin, _count);
        WriteMessage(schema, begin, _count);
        _count = begin;
    }

    private void WriteMessage(MessageSchema schema, int begin, int end)
    {
        // The root is depth 0; the parser refuses the 101st level below it.
        if (_messageDepth++ > MaxDepth)
        {
            throw new InvalidDataException($"messages nested deeper than {MaxDepth}");
        }

        if (!TryWriteWellKnown(schema, begin, end))
        {
            _writer.WriteStartObject();
            WriteFields(schema, begin, end);
            _writer.WriteEndObject();
        }

        _messageDepth--;
    }

    private void WriteFields(MessageSchema schema, int begin, int end)
    {
        for (var i = begin; i < end;)
        {
            var next = RunEnd(i, end);
            // Groups (proto2 only, none in the xDS API) are skipped like unknown fields.
            if (schema.FindFieldByNumber(_fields[i].Number) is { Type: not ProtoFieldType.Group } field)
            {
                WriteField(field, begin, end, i, next);
            }

            i = next;
        }
    }

    /// <summary>One field whose occurrences are [from, to) of the message's [begin, end).</summary>
    private void WriteField(FieldSchema field, int begin, int end, int from, int to)
    {
        if (field.IsMap)
        {
            WriteMap(field, from, to);
            return;
        }

        if (field.IsRepeated)
        {
            WriteRepeated(field, from, to);
            return;
        }

        var last = LastValid(field, from, to);
        if (last < 0)
        {
            return;
        }

        var after = -1;
        if (field.OneofName is not null)
        {
            // Setting another member of the oneof cleared this one: only what came after the last of those counts.
            after = LastOtherOneofMember(field, begin, end);
            if (after > _fields[last].Order)
            {
                return;
            }
        }

        if (field.Type == ProtoFieldType.Message)
        {
            _writer.WritePropertyName(field.Name);
            Push(field.Name, -1);
            WriteMergedMessage(field.MessageType, from, to, after);
            Pop();
            return;
        }

        var value = _fields[last];
        if (!field.HasPresence && IsDefault(field.Type, value))
        {
            return;
        }

        _writer.WritePropertyName(field.Name);
        Push(field.Name, -1);
        WriteScalar(field, value);
        Pop();
    }

    private void WriteRepeated(FieldSchema field, int from, int to)
    {
        var packable = FieldSchema.IsPackable(field.Type);
        var empty = true;
        for (var i = from; i < to && empty; i++)
        {
            var occurrence = _fields[i];
            empty = !IsValid(field, occurrence.WireType) || (packable && occurrence.WireType == WireReader.LengthDelimited && occurrence.Length == 0);
        }

        if (empty)
        {
            return; // JsonFormatter leaves out empty lists
        }

        _writer.WritePropertyName(field.Name);
        Push(field.Name, 0);
        _writer.WriteStartArray();
        var index = 0;
        for (var i = from; i < to; i++)
        {
            var occurrence = _fields[i];
            if (!IsValid(field, occurrence.WireType))
            {
                continue;
            }

            if (field.Type == ProtoFieldType.Message)
            {
                SetIndex(index++);
                WriteMessageChunk(field.MessageType, occurrence.Start, occurrence.Length);
            }
            else if (packable && occurrence.WireType == WireReader.LengthDelimited)
            {
                index = WritePacked(field, occurrence, index);
            }
            else
            {
                SetIndex(index++);
                WriteScalar(field, occurrence);
            }
        }

        _writer.WriteEndArray();
        Pop();
    }

    private int WritePacked(FieldSchema field, WireField packed, int index)
    {
        var payload = _root.Slice(packed.Start, packed.Length);
        var wire = FieldSchema.WireTypeOf(field.Type);
        if (wire == WireReader.Varint)
        {
            var reader = new WireReader(payload);
            while (reader.Position < payload.Length)
            {
                SetIndex(index++);
                WriteScalar(field, new WireField(field.Number, wire, 0, reader.ReadVarint(), 0, 0));
            }

            return index;
        }

        var size = wire == WireReader.Fixed32 ? 4 : 8;
        if (payload.Length % size != 0)
        {
            throw new InvalidDataException($"a packed field of {payload.Length} bytes is not a whole number of {size}-byte values");
        }

        for (var offset = 0; offset < payload.Length; offset += size)
        {
            var bits = size == 4
                ? BinaryPrimitives.ReadUInt32LittleEndian(payload[offset..])
                : BinaryPrimitives.ReadUInt64LittleEndian(payload[offset..]);
            SetIndex(index++);
            WriteScalar(field, new WireField(field.Number, wire, 0, bits, 0, 0));
        }

        return index;
    }

    private void WriteMap(FieldSchema field, int from, int to)
    {
        if (!HasEntries(from, to))
        {
            return;
        }

        _writer.WritePropertyName(field.Name);
        Push(field.Name, 0);
        WriteMapObject(field, from, to, structFields: false);
        Pop();
    }

    private readonly bool HasEntries(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (_fields[i].WireType == WireReader.LengthDelimited)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A map's entries as an object. Parsing keeps a repeated key at its first position with its last value (what
    /// Google.Protobuf's <c>MapField</c> indexer does), so that is what is written.
    /// </summary>
    private void WriteMapObject(FieldSchema field, int from, int to, bool structFields)
    {
        var keyField = field.MessageType.FindFieldByNumber(1) ?? throw new InvalidOperationException($"map entry {field.MessageType} has no key");
        var valueField = field.MessageType.FindFieldByNumber(2) ?? throw new InvalidOperationException($"map entry {field.MessageType} has no value");
        var keys = to > from ? ArrayPool<MapKey>.Shared.Rent(to - from) : [];
        try
        {
            var count = 0;
            for (var i = from; i < to; i++)
            {
                if (_fields[i].WireType == WireReader.LengthDelimited)
                {
                    keys[count++] = ReadKey(keyField, i);
                }
            }

            _writer.WriteStartObject();
            for (var k = 0; k < count; k++)
            {
                var key = keys[k];
                if (FindKey(keys, key, 0, k) >= 0)
                {
                    continue; // written at its first position
                }

                var last = k;
                for (var later = FindKey(keys, key, k + 1, count); later >= 0; later = FindKey(keys, key, later + 1, count))
                {
                    last = later;
                }

                if (structFields && key.Length == 0)
                {
                    throw new InvalidOperationException("Struct fields cannot have an empty key");
                }

                SetIndex(k);
                WriteMapKey(keyField, key);
                WriteMapValue(valueField, keys[last].Entry);
            }

            _writer.WriteEndObject();
        }
        finally
        {
            if (keys.Length > 0)
            {
                ArrayPool<MapKey>.Shared.Return(keys);
            }
        }
    }

    private MapKey ReadKey(FieldSchema keyField, int entry)
    {
        var occurrence = _fields[entry];
        var begin = Index(occurrence.Start, occurrence.Length);
        var last = -1;
        for (var i = _count - 1; i >= begin && last < 0; i--)
        {
            if (_fields[i].Number == 1 && IsValid(keyField, _fields[i].WireType))
            {
                last = i;
            }
        }

        var key = last < 0 ? default : _fields[last];
        _count = begin;
        if (keyField.Type == ProtoFieldType.String)
        {
            var text = _root.Slice(key.Start, key.Length);
            var hash = new HashCode();
            hash.AddBytes(text);
            return new MapKey(entry, 0, key.Start, key.Length, hash.ToHashCode());
        }

        var number = keyField.Type switch
        {
            ProtoFieldType.Int32 or ProtoFieldType.SFixed32 or ProtoFieldType.UInt32 or ProtoFieldType.Fixed32 => (uint)key.Scalar,
            ProtoFieldType.SInt32 => (uint)ZigZag32((uint)key.Scalar),
            ProtoFieldType.SInt64 => (ulong)ZigZag64(key.Scalar),
            ProtoFieldType.Bool => key.Scalar != 0 ? 1UL : 0UL,
            _ => key.Scalar,
        };
        return new MapKey(entry, number, 0, 0, number.GetHashCode());
    }

    private readonly int FindKey(MapKey[] keys, MapKey key, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var other = keys[i];
            if (other.Hash == key.Hash && other.Number == key.Number
                && _root.Slice(other.Start, other.Length).SequenceEqual(_root.Slice(key.Start, key.Length)))
            {
                return i;
            }
        }

        return -1;
    }

    private void WriteMapKey(FieldSchema keyField, MapKey key)
    {
        Span<byte> text = stackalloc byte[24];
        int written;
        switch (keyField.Type)
        {
            case ProtoFieldType.String:
                _writer.WritePropertyName(Text(key.Start, key.Length));
                return;
            case ProtoFieldType.Bool:
                _writer.WritePropertyName(key.Number != 0 ? "true"u8 : "false"u8);
                return;
            case ProtoFieldType.Int32 or ProtoFieldType.SInt32 or ProtoFieldType.SFixed32:
                ((int)(uint)key.Number).TryFormat(text, out written, default, CultureInfo.InvariantCulture);
                break;
            case ProtoFieldType.Int64 or ProtoFieldType.SInt64 or ProtoFieldType.SFixed64:
                ((long)key.Number).TryFormat(text, out written, default, CultureInfo.InvariantCulture);
                break;
            default:
                key.Number.TryFormat(text, out written, default, CultureInfo.InvariantCulture);
                break;
        }

        _writer.WritePropertyName(text[..written]);
    }

    /// <summary>
    /// The value of one map entry. An entry without one holds the default (an empty message for message values), and
    /// of several only the last counts: Google.Protobuf's map codec reads each into a new value rather than merging.
    /// </summary>
    private void WriteMapValue(FieldSchema valueField, int entry)
    {
        var occurrence = _fields[entry];
        var begin = Index(occurrence.Start, occurrence.Length);
        var end = _count;
        var last = -1;
        for (var i = end - 1; i >= begin && last < 0; i--)
        {
            if (_fields[i].Number == 2 && IsValid(valueField, _fields[i].WireType))
            {
                last = i;
            }
        }

        if (valueField.Type == ProtoFieldType.Message)
        {
            if (last < 0)
            {
                WriteMessage(valueField.MessageType, end, end);
            }
            else
            {
                WriteMergedMessage(valueField.MessageType, last, last + 1, -1);
            }
        }
        else
        {
            WriteScalar(valueField, last < 0 ? new WireField(2, FieldSchema.WireTypeOf(valueField.Type), 0, 0, 0, 0) : _fields[last]);
        }

        _count = begin;
    }

    private void WriteScalar(FieldSchema field, WireField value)
    {
        var bits = value.Scalar;
        switch (field.Type)
        {
            case ProtoFieldType.Int32:
            case ProtoFieldType.SFixed32:
                _writer.WriteNumberValue((int)bits);
                break;
            case ProtoFieldType.SInt32:
                _writer.WriteNumberValue(ZigZag32((uint)bits));
                break;
            case ProtoFieldType.UInt32:
            case ProtoFieldType.Fixed32:
                _writer.WriteNumberValue((uint)bits);
                break;
            case ProtoFieldType.Int64:
            case ProtoFieldType.SFixed64:
                WriteInteger((long)bits);
                break;
            case ProtoFieldType.SInt64:
                WriteInteger(ZigZag64(bits));
                break;
            case ProtoFieldType.UInt64:
            case ProtoFieldType.Fixed64:
                WriteInteger(bits);
                break;
            case ProtoFieldType.Bool:
                _writer.WriteBooleanValue(bits != 0);
                break;
            case ProtoFieldType.Float:
                WriteFloatingPoint(BitConverter.Int32BitsToSingle((int)bits));
                break;
            case ProtoFieldType.Double:
                WriteFloatingPoint(BitConverter.Int64BitsToDouble((long)bits));
                break;
            case ProtoFieldType.Enum:
                WriteEnum(field.EnumType, (int)bits);
                break;
            case ProtoFieldType.String:
                WriteString(_root.Slice(value.Start, value.Length));
                break;
            case ProtoFieldType.Bytes:
                _writer.WriteBase64StringValue(_root.Slice(value.Start, value.Length));
                break;
            default:
                throw new InvalidOperationException($"{field} is not a scalar field");
        }
    }

    /// <summary>64-bit integers are strings in protobuf JSON (JavaScript numbers would lose precision).</summary>
    private readonly void WriteInteger<T>(T value)
        where T : IUtf8SpanFormattable
    {
        Span<byte> text = stackalloc byte[24];
        value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture);
        _writer.WriteStringValue(text[..written]);
    }

    /// <summary>
    /// JsonFormatter's rule: the shortest round-trip text (<c>"r"</c>, whose lowercase gives <c>1e+21</c>), NaN and the
    /// infinities as strings. Written raw so the number text is exactly that, not the writer's own formatting.
    /// </summary>
    private readonly void WriteFloatingPoint<T>(T value)
        where T : IFloatingPointIeee754<T>, IUtf8SpanFormattable
    {
        if (T.IsNaN(value))
        {
            _writer.WriteStringValue("NaN"u8);
        }
        else if (T.IsPositiveInfinity(value))
        {
            _writer.WriteStringValue("Infinity"u8);
        }
        else if (T.IsNegativeInfinity(value))
        {
            _writer.WriteStringValue("-Infinity"u8);
        }
        else
        {
            Span<byte> text = stackalloc byte[32];
            value.TryFormat(text, out var written, "r", CultureInfo.InvariantCulture);
            _writer.WriteRawValue(text[..written], skipInputValidation: true);
        }
    }

    private readonly void WriteEnum(EnumSchema type, int number)
    {
        if (type.FullName == NullValueName)
        {
            _writer.WriteNullValue();
        }
        else if (type.NameOf(number) is { } name)
        {
            _writer.WriteStringValue(name);
        }
        else
        {
            _writer.WriteNumberValue(number); // a value this build does not know, as JsonFormatter writes it
        }
    }

    private readonly void WriteString(ReadOnlySpan<byte> utf8) => _writer.WriteStringValue(Text(utf8));

    private readonly ReadOnlySpan<byte> Text(int start, int length) => Text(_root.Slice(start, length));

    /// <summary>A string field's bytes, which Google.Protobuf's parser refuses unless they are UTF-8.</summary>
    private static ReadOnlySpan<byte> Text(ReadOnlySpan<byte> utf8) =>
        Utf8.IsValid(utf8) ? utf8 : throw new InvalidDataException("a string field is not valid UTF-8");

    /// <summary>Indexes one chunk of message bytes as a new run of the buffer; returns where it starts.</summary>
    private int Index(int start, int length)
    {
        var begin = _count;
        Append(start, length, begin);
        Sort(begin, _count);
        return begin;
    }

    /// <summary>Adds the field occurrences of one chunk to the message whose fields start at <paramref name="begin"/>.</summary>
    private void Append(int start, int length, int begin)
    {
        var chunk = _root.Slice(start, length);
        var reader = new WireReader(chunk);
        while (reader.TryReadTag(out var number, out var wire))
        {
            var at = reader.Position;
            ulong scalar = 0;
            int payloadStart = 0, payloadLength = 0;
            switch (wire)
            {
                case WireReader.Varint:
                    scalar = reader.ReadVarint();
                    break;
                case WireReader.Fixed64:
                    reader.Skip(wire, number);
                    scalar = BinaryPrimitives.ReadUInt64LittleEndian(chunk[at..]);
                    break;
                case WireReader.Fixed32:
                    reader.Skip(wire, number);
                    scalar = BinaryPrimitives.ReadUInt32LittleEndian(chunk[at..]);
                    break;
                case WireReader.LengthDelimited:
                    payloadLength = reader.ReadLengthDelimited().Length;
                    payloadStart = start + reader.Position - payloadLength;
                    break;
                default:
                    reader.Skip(wire, number); // a group: checked and skipped, as an unknown field
                    continue;
            }

            if (_count == _fields.Length)
            {
                var larger = ArrayPool<WireField>.Shared.Rent(_fields.Length * 2);
                _fields.AsSpan(0, _count).CopyTo(larger);
                ArrayPool<WireField>.Shared.Return(_fields);
                _fields = larger;
            }

            _fields[_count] = new WireField(number, wire, _count - begin, scalar, payloadStart, payloadLength);
            _count++;
        }
    }

    private readonly void Sort(int begin, int end)
    {
        var fields = _fields.AsSpan(begin, end - begin);
        for (var i = 1; i < fields.Length; i++)
        {
            if (fields[i].Number < fields[i - 1].Number)
            {
                // Serializers write in field-number order, so this is rare: merged chunks, hand-made bytes.
                fields.Sort(static (a, b) => a.Number != b.Number ? a.Number.CompareTo(b.Number) : a.Order.CompareTo(b.Order));
                return;
            }
        }
    }

    private readonly int RunEnd(int i, int end)
    {
        var number = _fields[i].Number;
        var next = i + 1;
        while (next < end && _fields[next].Number == number)
        {
            next++;
        }

        return next;
    }

    /// <summary>The last occurrence in [from, to) with a wire type the field accepts (others are unknown fields), or -1.</summary>
    private readonly int LastValid(FieldSchema field, int from, int to)
    {
        for (var i = to - 1; i >= from; i--)
        {
            if (IsValid(field, _fields[i].WireType))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The wire order of the last occurrence of another member of <paramref name="field"/>'s oneof, or -1.</summary>
    private readonly int LastOtherOneofMember(FieldSchema field, int begin, int end)
    {
        var latest = -1;
        for (var i = begin; i < end;)
        {
            var next = RunEnd(i, end);
            var number = _fields[i].Number;
            if (number != field.Number
                && field.Owner.FindFieldByNumber(number) is { Type: not ProtoFieldType.Group } other
                && other.OneofName == field.OneofName
                && LastValid(other, i, next) is var last and >= 0)
            {
                latest = Math.Max(latest, _fields[last].Order);
            }

            i = next;
        }

        return latest;
    }

    private static bool IsDefault(ProtoFieldType type, WireField value) => type switch
    {
        ProtoFieldType.String or ProtoFieldType.Bytes => value.Length == 0,
        // -0.0 == 0.0: JsonFormatter leaves negative zero out too.
        ProtoFieldType.Float => BitConverter.Int32BitsToSingle((int)value.Scalar) == 0f,
        ProtoFieldType.Double => BitConverter.Int64BitsToDouble((long)value.Scalar) == 0d,
        // 32-bit fields keep the low half of a varint, as the parser does.
        ProtoFieldType.Int32 or ProtoFieldType.UInt32 or ProtoFieldType.SInt32 or ProtoFieldType.Enum
            or ProtoFieldType.Fixed32 or ProtoFieldType.SFixed32 => (uint)value.Scalar == 0,
        _ => value.Scalar == 0,
    };

    private static bool IsValid(FieldSchema field, int wire) =>
        wire == FieldSchema.WireTypeOf(field.Type) || (field.IsRepeated && wire == WireReader.LengthDelimited && FieldSchema.IsPackable(field.Type));

    private static int ZigZag32(uint value) => (int)(value >> 1) ^ -(int)(value & 1);

    private static long ZigZag64(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private void Push(string name, int index)
    {
        if (_pathDepth == _path.Length)
        {
            var larger = ArrayPool<PathFrame>.Shared.Rent(_path.Length * 2);
            _path.AsSpan().CopyTo(larger);
            ArrayPool<PathFrame>.Shared.Return(_path, clearArray: true);
            _path = larger;
        }

        _path[_pathDepth++] = new PathFrame(name, index);
    }

    private void Pop() => _pathDepth--;

    private readonly void SetIndex(int index) => _path[_pathDepth - 1] = _path[_pathDepth - 1] with { Index = index };

    /// <summary>One step of the path for errors: a field, and the element of a list or map when it is one.</summary>
    private readonly record struct PathFrame(string Name, int Index);

    /// <summary>A map entry's key as parsed: the string's bytes, or the integer (bool as 0/1) widened to 64 bits.</summary>
    private readonly record struct MapKey(int Entry, ulong Number, int Start, int Length, int Hash);
}
