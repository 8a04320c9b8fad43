using System.Text.Json;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// One pass over a JSON document, writing the protobuf encoding of the message it spells (protobuf's JSON mapping,
/// with Google.Protobuf's <c>JsonParser</c> as the reference for what is accepted). Recursive descent: each Merge
/// method starts on a value's first token and leaves the reader on its last.
/// </summary>
/// <remarks>
/// Errors are <see cref="Conversion.ConfigException"/>s naming the field by its proto path; JSON that is not JSON
/// surfaces as the reader's <see cref="JsonException"/>, for the caller to place by line and column.
/// </remarks>
[System.Runtime.CompilerServices.SkipLocalsInit] // scratch buffers are written before they are read; oneofs are cleared
internal ref partial struct ProtoJsonTranscoder
{
    /// <summary>Messages nested deeper than this are refused (JsonParser's default limit, which it counts the same way).</summary>
    public const int RecursionLimit = 100;

    private readonly ReadOnlySpan<byte> _json;
    private readonly JsonSchemaCache _cache;
    private readonly ProtoWriter _out;
    private readonly JsonPath _path = new();
    private readonly bool _canonical;
    private Utf8JsonReader _reader;
    private int _depth;
    private int _anyDepth;

    /// <param name="canonical">Drop -0.0 from implicit-presence fields everywhere, as serializing does; otherwise
    /// only inside an Any's bytes (elsewhere the parsed message keeps -0.0, as JsonParser's does).</param>
    public ProtoJsonTranscoder(ReadOnlySpan<byte> json, JsonSchemaCache cache, ProtoWriter output, bool canonical)
    {
        _json = json;
        _cache = cache;
        _out = output;
        _canonical = canonical;
        // Depth is limited in messages, as JsonParser does; the reader's own limit (64) would refuse some of what it takes.
        _reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
    }

    /// <summary>Reads the whole document as a message of <paramref name="root"/>.</summary>
    public void Transcode(JsonMessageInfo root)
    {
        if (_json.StartsWith("\uFEFF"u8))
        {
            // Utf8JsonReader skips a byte order mark; JsonParser refuses one, so we do too.
            throw Error("a byte order mark (U+FEFF) before the JSON value");
        }

        Read();
        MergeMessage(root);
        if (_reader.Read())
        {
            throw Error("more than one JSON value");
        }
    }

    private readonly bool DropsNegativeZero => _canonical || _anyDepth > 0;

    // JsonParser's Merge: a message of any kind, counted against the recursion limit.
    private void MergeMessage(JsonMessageInfo message, bool inAny = false)
    {
        if (_depth > RecursionLimit)
        {
            throw Error($"messages nested deeper than {RecursionLimit} levels");
        }

        _depth++;
        switch (message.WellKnown)
        {
            case JsonWellKnown.Any:
                MergeAny();
                break;
            case JsonWellKnown.Duration:
                MergeDuration();
                break;
            case JsonWellKnown.Timestamp:
                MergeTimestamp();
                break;
            case JsonWellKnown.FieldMask:
                MergeFieldMask();
                break;
            case JsonWellKnown.Struct:
                ExpectToken(JsonTokenType.StartObject, message);
                MergeMap(message.Field(1));
                break;
            case JsonWellKnown.Value:
                MergeValue(message);
                break;
            case JsonWellKnown.ListValue:
                ExpectToken(JsonTokenType.StartArray, message);
                MergeRepeated(message.Field(1));
                break;
            case JsonWellKnown.Wrapper:
                // The bare value; null leaves the wrapper empty.
                if (_reader.TokenType != JsonTokenType.Null)
                {
                    WriteValue(message.Field(1), omitDefault: true, bitwiseDefault: false);
                }

                break;
            default:
                MergeObject(message, skipTypeOnce: inAny);
                break;
        }

        _depth--;
    }

    // A message's fields, in any order, each at most once per oneof; "@type" is skipped once inside an Any.
    private void MergeObject(JsonMessageInfo message, bool skipTypeOnce)
    {
        ExpectToken(JsonTokenType.StartObject, message);
        var start = _out.Position;
        var mark = _out.SegmentMark;
        var oneofCount = message.OneofNames.Count;
        Span<int> oneofs = oneofCount <= 16 ? stackalloc int[16] : new int[oneofCount];
        oneofs[..oneofCount].Clear();
        Span<byte> scratch = stackalloc byte[128];
        while (true)
        {
            Read();
            if (_reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (skipTypeOnce && _reader.ValueTextEquals("@type"u8))
            {
                skipTypeOnce = false;
                Read(); // the type URL, a string (MergeAny checked it)
                continue;
            }

            var field = message.Find(Text(scratch)) ?? throw UnknownField(message);
            if (field.OneofIndex >= 0)
            {
                ref var seen = ref oneofs[field.OneofIndex];
                if (seen != 0)
                {
                    throw OneofTwice(message, field, seen);
                }

                seen = field.Number;
            }

            _path.PushField(field.Name);
            Read();
            MergeField(field);
            _path.Pop();
        }

        _out.CompleteMessage(start, mark);
    }

    // JsonParser's MergeField: null clears (but is a value for Value and NullValue fields), else by cardinality.
    private void MergeField(JsonFieldInfo field)
    {
        var start = _out.Position;
        var kind = field.IsMap ? ProtoWriter.FieldKind.Map
            : !field.IsRepeated ? ProtoWriter.FieldKind.Singular
            : field.IsPacked ? ProtoWriter.FieldKind.Packed
            : ProtoWriter.FieldKind.Repeated;
        if (_reader.TokenType == JsonTokenType.Null && (field.IsRepeated || !(field.IsValue || field.IsNullValue)))
        {
            _out.AddSegment(field.Number, start, kind, clears: true);
            return;
        }

        if (field.IsMap)
        {
            MergeMap(field);
        }
        else if (field.IsRepeated)
        {
            MergeRepeated(field);
        }
        else
        {
            WriteValue(field, omitDefault: !field.HasPresence, bitwiseDefault: false);
        }

        _out.AddSegment(field.Number, start, kind);
    }

    private void MergeRepeated(JsonFieldInfo field)
    {
        if (_reader.TokenType != JsonTokenType.StartArray)
        {
            throw Error($"expected an array for repeated field '{field.Name}', not {Describe()}");
        }

        var start = _out.Position;
        var mark = -1;
        if (field.IsPacked)
        {
            _out.WriteVarint(field.PackedTag);
            mark = _out.BeginLengthDelimited();
        }

        var index = 0;
        while (true)
        {
            Read();
            if (_reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            _path.PushIndex(index++);
            if (_reader.TokenType == JsonTokenType.Null && !(field.IsValue || field.IsNullValue))
            {
                throw Error("null is not allowed in a repeated field");
            }

            if (field.IsPacked)
            {
                WriteRaw(field, ReadScalar(field));
            }
            else
            {
                WriteValue(field, omitDefault: false, bitwiseDefault: false);
            }

            _path.Pop();
        }

        if (mark >= 0 && _out.EndLengthDelimited(mark) == 0)
        {
            _out.Rewind(start); // an empty packed field is not written at all
        }
    }

    // Object keys become keys of the key type; each entry is written as its own small message (key 1, value 2).
    private void MergeMap(JsonFieldInfo field)
    {
        if (_reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error($"expected an object for map field '{field.Name}', not {Describe()}");
        }

        var entry = field.Message;
        var keyField = entry.Field(1);
        var valueField = entry.Field(2);
        var start = _out.Position;
        var keys = _out.KeyMark;
        Span<byte> scratch = stackalloc byte[128];
        while (true)
        {
            Read();
            if (_reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            _json.Overlaps(_reader.ValueSpan, out var offset);
            _path.PushKey(offset, _reader.ValueSpan.Length, _reader.ValueIsEscaped);
            _out.WriteVarint(field.Tag);
            var entryMark = _out.BeginLengthDelimited();
            var keyStart = _out.Position;
            WriteKey(keyField, Text(scratch));
            _out.AddKey(keyStart);
            Read();
            if (_reader.TokenType == JsonTokenType.Null && !(valueField.IsValue || valueField.IsNullValue))
            {
                throw Error("null is not allowed as a map value");
            }

            WriteValue(valueField, omitDefault: !valueField.HasPresence, bitwiseDefault: true);
            _out.EndLengthDelimited(entryMark);
            _path.Pop();
        }

        if (_out.HasDuplicateKeys(keys))
        {
            _out.DeduplicateEntries(start);
        }
    }

    private readonly void WriteKey(JsonFieldInfo key, ReadOnlySpan<byte> text)
    {
        switch (key.Type)
        {
            case ProtoFieldType.String:
                WriteString(key.Tag, text, omitDefault: true);
                return;
            case ProtoFieldType.Bool:
                var value = text.SequenceEqual("true"u8) ? 1ul
                    : text.SequenceEqual("false"u8) ? 0ul
                    : throw Error($"map key '{Decode(text)}' is not true or false");
                WriteWire(key, value, omitDefault: true, bitwiseDefault: true);
                return;
            default:
                var error = JsonScalars.FromKey(text, key.Type, out var wire);
                if (error != ScalarError.None)
                {
                    throw Error($"map key '{Decode(text)}' is not a valid {TypeName(key)}");
                }

                WriteWire(key, wire, omitDefault: true, bitwiseDefault: true);
                return;
        }
    }

    // One value of a field with its tag: a singular field, a map entry's value, or an unpacked element.
    private void WriteValue(JsonFieldInfo field, bool omitDefault, bool bitwiseDefault)
    {
        switch (field.Type)
        {
            case ProtoFieldType.Message:
                var message = field.Message;
                _out.WriteVarint(field.Tag);
                var mark = _out.BeginLengthDelimited();
                if (message.WellKnown == JsonWellKnown.Wrapper)
                {
                    // A wrapper field takes the bare value, without counting as a nesting level (as in JsonParser);
                    // its codec, like a map's, compares the value's bits with the default.
                    WriteValue(message.Field(1), omitDefault: true, bitwiseDefault: true);
                }
                else
                {
                    MergeMessage(message);
                }

                _out.EndLengthDelimited(mark);
                return;
            case ProtoFieldType.String:
                ExpectScalar(JsonTokenType.String, field);
                WriteString(field.Tag, omitDefault);
                return;
            case ProtoFieldType.Bytes:
                ExpectScalar(JsonTokenType.String, field);
                WriteBase64(field.Tag, omitDefault);
                return;
            case ProtoFieldType.Group:
                throw Error($"'{field.Name}' is a proto2 group, which JSON config does not support");
            default:
                WriteWire(field, ReadScalar(field), omitDefault, bitwiseDefault);
                return;
        }
    }

    private readonly void WriteWire(JsonFieldInfo field, ulong wire, bool omitDefault, bool bitwiseDefault)
    {
        if (omitDefault && IsDefault(field, wire, bitwiseDefault))
        {
            return;
        }

        _out.WriteVarint(field.Tag);
        WriteRaw(field, wire);
    }

    private readonly void WriteRaw(JsonFieldInfo field, ulong wire)
    {
        switch (field.WireType)
        {
            case WireReader.Fixed32:
                _out.WriteFixed32((uint)wire);
                break;
            case WireReader.Fixed64:
                _out.WriteFixed64(wire);
                break;
            default:
                _out.WriteVarint(wire);
                break;
        }
    }

    // Generated code skips a float or double that compares equal to 0, so -0.0 too; the codecs of map entries and
    // wrapper fields compare bits.
    private readonly bool IsDefault(JsonFieldInfo field, ulong wire, bool bitwiseDefault) =>
        wire == 0 || (DropsNegativeZero && !bitwiseDefault
            && ((field.Type == ProtoFieldType.Double && wire == 0x8000_0000_0000_0000) || (field.Type == ProtoFieldType.Float && wire == 0x8000_0000)));

    // A scalar other than string or bytes, as its wire value.
    private ulong ReadScalar(JsonFieldInfo field)
    {
        ScalarError error;
        ulong wire;
        switch (_reader.TokenType)
        {
            case JsonTokenType.True or JsonTokenType.False:
                if (field.Type != ProtoFieldType.Bool)
                {
                    throw WrongKind(field);
                }

                return _reader.TokenType == JsonTokenType.True ? 1ul : 0ul;
            case JsonTokenType.Number:
                error = JsonScalars.FromNumber(ReadNumber(field), field.Type, out wire);
                break;
            case JsonTokenType.String when field.Type == ProtoFieldType.Enum:
                return ReadEnumName(field);
            case JsonTokenType.String:
                Span<byte> scratch = stackalloc byte[128];
                error = JsonScalars.FromString(Text(scratch), field.Type, out wire);
                break;
            case JsonTokenType.Null when field.IsNullValue:
                return 0;
            default:
                throw WrongKind(field);
        }

        return error switch
        {
            ScalarError.None => wire,
            ScalarError.WrongKind => throw WrongKind(field),
            ScalarError.NotInteger => throw Error($"{Quoted()} is not an integer ({TypeName(field)})"),
            ScalarError.OutOfRange => throw Error($"{Quoted()} is out of range for {TypeName(field)}"),
            _ => throw Error($"{Quoted()} is not a valid {TypeName(field)}"),
        };
    }

    // A JSON number as JsonParser sees it, a double. Integers of up to 15 digits, the common case (ports, weights),
    // skip the general parse: they are exact in a double.
    private readonly double ReadNumber(JsonFieldInfo field)
    {
        var text = _reader.ValueSpan;
        if (text.Length <= 15 && text.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0 && _reader.TryGetInt64(out var integer))
        {
            return integer == 0 && text[0] == '-' ? -0.0 : integer;
        }

        return JsonScalars.TryParseNumber(text, out var number)
            ? number
            : throw Error($"{Decode(text)} is out of range for {TypeName(field)}");
    }

    private ulong ReadEnumName(JsonFieldInfo field)
    {
        Span<byte> scratch = stackalloc byte[128];
        var name = Text(scratch);
        return field.Enum.TryGetNumber(name, out var number)
            ? JsonScalars.Encode(ProtoFieldType.Enum, number)
            : throw Error($"unknown value '{Decode(name)}' for enum {field.Enum.Schema.FullName}");
    }
}
