using System.Text.Json;

namespace MeshProxy.Xds.Schema;

// The well-known types with a JSON form of their own. Field numbers are those of google/protobuf/*.proto, fixed forever.
internal ref partial struct ProtoJsonTranscoder
{
    // Any: {"@type": url, ...fields} or, for a well-known type, {"@type": url, "value": json}. "@type" may come anywhere
    // among the object's own properties: look for it first, then read the object from its start.
    private void MergeAny()
    {
        if (_reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error($"expected an object for google.protobuf.Any, not {Describe()}");
        }

        var start = _reader;
        while (true)
        {
            Read();
            if (_reader.TokenType == JsonTokenType.EndObject)
            {
                return; // no "@type": an empty Any, the other properties unread (as in JsonParser)
            }

            if (_reader.ValueTextEquals("@type"u8))
            {
                break;
            }

            Read();
            SkipValue();
        }

        Read();
        if (_reader.TokenType != JsonTokenType.String)
        {
            throw Error("@type", $"expected a type URL string, not {Describe()}");
        }

        ReadOnlySpan<byte> url = _reader.ValueIsEscaped ? Unescape() : _reader.ValueSpan;
        var name = url[(url.LastIndexOf((byte)'/') + 1)..];
        if (url.IndexOf((byte)'/') < 0 || name.IsEmpty)
        {
            throw Error("@type", $"'{Decode(url)}' is not a type URL (type.googleapis.com/ and the message's full name)");
        }

        var packed = _cache.FindMessage(name)
            ?? throw Error("@type", $"unknown type '{Decode(url)}': not a message type of the Envoy API that MeshProxy knows");

        _out.WriteVarint(1 << 3 | WireReader.LengthDelimited);
        _out.WriteLengthDelimited(url);
        var valueStart = _out.Position;
        _out.WriteVarint(2 << 3 | WireReader.LengthDelimited);
        var mark = _out.BeginLengthDelimited();
        _reader = start;
        _anyDepth++;
        if (packed.IsWellKnownType)
        {
            MergeWellKnownInAny(packed);
        }
        else
        {
            MergeMessage(packed, inAny: true);
        }

        _anyDepth--;
        if (_out.EndLengthDelimited(mark) == 0)
        {
            _out.Rewind(valueStart); // empty bytes are not written
        }
    }

    // {"@type": url, "value": json}: nothing else may be there.
    private void MergeWellKnownInAny(JsonMessageInfo packed)
    {
        var skipType = true;
        var seenValue = false;
        Span<byte> scratch = stackalloc byte[128];
        while (true)
        {
            Read();
            if (_reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (skipType && _reader.ValueTextEquals("@type"u8))
            {
                skipType = false;
                Read();
                continue;
            }

            if (seenValue || !_reader.ValueTextEquals("value"u8))
            {
                var property = Decode(Text(scratch));
                throw Error(property, $"an Any holding a {packed.FullName} takes only \"@type\" and \"value\", not '{property}'");
            }

            seenValue = true;
            _path.PushField("value");
            Read();
            MergeMessage(packed);
            _path.Pop();
        }

        if (!seenValue)
        {
            throw Error($"an Any holding a {packed.FullName} needs its JSON in a \"value\" property");
        }
    }

    private void MergeValue(JsonMessageInfo value)
    {
        switch (_reader.TokenType)
        {
            case JsonTokenType.Null:
                _out.WriteVarint(1 << 3 | WireReader.Varint);
                _out.WriteVarint(0);
                return;
            case JsonTokenType.Number:
                if (!JsonScalars.TryParseNumber(_reader.ValueSpan, out var number))
                {
                    throw Error($"{Decode(_reader.ValueSpan)} is out of range for a double");
                }

                _out.WriteVarint(2 << 3 | WireReader.Fixed64);
                _out.WriteFixed64(BitConverter.DoubleToUInt64Bits(number));
                return;
            case JsonTokenType.String:
                WriteString(3 << 3 | WireReader.LengthDelimited, omitDefault: false);
                return;
            case JsonTokenType.True or JsonTokenType.False:
                _out.WriteVarint(4 << 3 | WireReader.Varint);
                _out.WriteVarint(_reader.TokenType == JsonTokenType.True ? 1ul : 0ul);
                return;
            case JsonTokenType.StartObject:
                WriteMessageField(5, value.Field(5).Message);
                return;
            default: // StartArray
                WriteMessageField(6, value.Field(6).Message);
                return;
        }
    }

    private void WriteMessageField(int number, JsonMessageInfo message)
    {
        _out.WriteVarint((uint)number << 3 | WireReader.LengthDelimited);
        var mark = _out.BeginLengthDelimited();
        MergeMessage(message);
        _out.EndLengthDelimited(mark);
    }

    private void MergeDuration()
    {
        Span<byte> scratch = stackalloc byte[128];
        var text = ExpectString("google.protobuf.Duration", scratch);
        if (!JsonScalars.TryParseDuration(text, out var seconds, out var nanos))
        {
            throw Error($"invalid duration '{Decode(text)}': expected seconds with up to 9 decimals and an 's', such as \"1.5s\" (at most {JsonScalars.MaxDurationSeconds}s)");
        }

        WriteSecondsAndNanos(seconds, nanos);
    }

    private void MergeTimestamp()
    {
        Span<byte> scratch = stackalloc byte[128];
        var text = ExpectString("google.protobuf.Timestamp", scratch);
        if (!JsonScalars.TryParseTimestamp(text, out var seconds, out var nanos))
        {
            throw Error($"invalid timestamp '{Decode(text)}': expected RFC 3339 such as \"2024-01-02T03:04:05.5Z\", between years 1 and 9999");
        }

        WriteSecondsAndNanos(seconds, nanos);
    }

    private void WriteSecondsAndNanos(long seconds, int nanos)
    {
        if (seconds != 0)
        {
            _out.WriteVarint(1 << 3 | WireReader.Varint);
            _out.WriteVarint((ulong)seconds);
        }

        if (nanos != 0)
        {
            _out.WriteVarint(2 << 3 | WireReader.Varint);
            _out.WriteVarint((ulong)(long)nanos);
        }
    }

    // "a.bC,d" -> paths "a.b_c" and "d" (empty paths dropped).
    private void MergeFieldMask()
    {
        Span<byte> scratch = stackalloc byte[128];
        var text = ExpectString("google.protobuf.FieldMask", scratch);
        foreach (var range in text.Split((byte)','))
        {
            var path = text[range];
            if (path.IsEmpty)
            {
                continue;
            }

            _out.WriteVarint(1 << 3 | WireReader.LengthDelimited);
            var mark = _out.BeginLengthDelimited();
            if (!JsonScalars.TryToSnakeCase(path, _out.GetSpan(path.Length * 2), out var written))
            {
                throw Error($"invalid field mask path '{Decode(path)}': JSON spells paths in lowerCamelCase, without '_'");
            }

            _out.Advance(written);
            _out.EndLengthDelimited(mark);
        }
    }

    private readonly ReadOnlySpan<byte> ExpectString(string type, Span<byte> scratch) =>
        _reader.TokenType == JsonTokenType.String ? Text(scratch) : throw Error($"expected a string for {type}, not {Describe()}");
}
