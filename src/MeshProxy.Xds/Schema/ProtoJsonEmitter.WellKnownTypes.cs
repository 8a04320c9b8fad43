using System.Globalization;
using System.Text;

namespace MeshProxy.Xds.Schema;

/// <summary>The well-known types' JSON forms, as <c>JsonFormatter</c> writes them.</summary>
internal ref partial struct ProtoJsonEmitter
{
    private const string AnyTypeUrlName = "@type";
    private const string NullValueName = "google.protobuf.NullValue";

    // Duration's range (about 10,000 years) and Timestamp's (years 1 to 9999, what DateTime can format).
    private const long MaxDurationSeconds = 315_576_000_000;
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const int MaxNanos = 999_999_999;

    private bool TryWriteWellKnown(MessageSchema schema, int begin, int end)
    {
        switch (JsonWellKnownTypes.KindOf(schema.FullName))
        {
            case JsonWellKnown.Any:
                WriteAny(schema, begin, end);
                return true;
            case JsonWellKnown.Duration:
                WriteDuration(begin, end);
                return true;
            case JsonWellKnown.Timestamp:
                WriteTimestamp(begin, end);
                return true;
            case JsonWellKnown.FieldMask:
                WriteFieldMask(begin, end);
                return true;
            case JsonWellKnown.Struct:
                WriteStruct(schema, begin, end);
                return true;
            case JsonWellKnown.Value:
                WriteValue(schema, begin, end);
                return true;
            case JsonWellKnown.ListValue:
                WriteListValue(schema, begin, end);
                return true;
            case JsonWellKnown.Wrapper:
                WriteWrapper(schema, begin, end);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// <c>@type</c>, then the packed message's fields (a well-known type's JSON value under <c>"value"</c>). A type
    /// the schema does not have cannot be expanded; <c>JsonFormatter</c> throws there, this writes its bytes as
    /// <c>"@value"</c> (base64), as <c>JsonFormatter.ToDiagnosticString</c> does, so one unknown extension does not
    /// take <c>/config_dump</c> down.
    /// </summary>
    private void WriteAny(MessageSchema schema, int begin, int end)
    {
        var typeUrl = LastOf(begin, end, 1, WireReader.LengthDelimited);
        var value = LastOf(begin, end, 2, WireReader.LengthDelimited);
        var url = typeUrl < 0 ? default : _root.Slice(_fields[typeUrl].Start, _fields[typeUrl].Length);
        var text = Encoding.UTF8.GetString(Text(url));
        var slash = text.LastIndexOf('/');
        var packed = slash < 0 ? null : schema.Schema.FindMessage(text[(slash + 1)..]);

        _writer.WriteStartObject();
        _writer.WritePropertyName(AnyTypeUrlName);
        WriteString(url);
        if (packed is null)
        {
            _writer.WritePropertyName("@value"u8);
            _writer.WriteBase64StringValue(value < 0 ? default : _root.Slice(_fields[value].Start, _fields[value].Length));
        }
        else
        {
            var inner = value < 0 ? _count : Index(_fields[value].Start, _fields[value].Length);
            WriteAnyContent(packed, inner, _count);
            _count = inner;
        }

        _writer.WriteEndObject();
    }

    private void WriteAnyContent(MessageSchema packed, int begin, int end)
    {
        if (JsonWellKnownTypes.IsWellKnownType(packed.FullName))
        {
            _writer.WritePropertyName("value"u8);
            WriteMessage(packed, begin, end);
        }
        else
        {
            WriteFields(packed, begin, end);
        }
    }

    /// <summary><c>"1.500s"</c>: 0, 3, 6 or 9 fractional digits; <c>JsonFormatter</c> refuses what is not normalized.</summary>
    private readonly void WriteDuration(int begin, int end)
    {
        var seconds = (long)LastScalar(begin, end, 1);
        var nanos = (int)LastScalar(begin, end, 2);
        if (seconds < -MaxDurationSeconds || seconds > MaxDurationSeconds || nanos < -MaxNanos || nanos > MaxNanos
            || Math.Sign(seconds) * Math.Sign(nanos) == -1)
        {
            throw new InvalidOperationException($"Non-normalized duration value (seconds {seconds}, nanos {nanos})");
        }

        Span<byte> text = stackalloc byte[40];
        var length = 0;
        if (seconds == 0 && nanos < 0)
        {
            text[length++] = (byte)'-';
        }

        seconds.TryFormat(text[length..], out var written, default, CultureInfo.InvariantCulture);
        length += written;
        length += WriteFraction(text[length..], Math.Abs(nanos));
        text[length++] = (byte)'s';
        _writer.WriteStringValue(text[..length]);
    }

    /// <summary>RFC 3339 in UTC (<c>"2026-01-02T03:04:05.250Z"</c>), with Duration's fraction rule.</summary>
    private readonly void WriteTimestamp(int begin, int end)
    {
        var seconds = (long)LastScalar(begin, end, 1);
        var nanos = (int)LastScalar(begin, end, 2);
        if (seconds < MinTimestampSeconds || seconds > MaxTimestampSeconds || nanos < 0 || nanos > MaxNanos)
        {
            throw new InvalidOperationException($"Non-normalized timestamp value (seconds {seconds}, nanos {nanos})");
        }

        Span<byte> text = stackalloc byte[40];
        var time = DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond);
        time.TryFormat(text, out var length, "yyyy'-'MM'-'dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        length += WriteFraction(text[length..], nanos);
        text[length++] = (byte)'Z';
        _writer.WriteStringValue(text[..length]);
    }

    private static int WriteFraction(Span<byte> text, int nanos)
    {
        if (nanos == 0)
        {
            return 0;
        }

        text[0] = (byte)'.';
        int written;
        if (nanos % 1_000_000 == 0)
        {
            (nanos / 1_000_000).TryFormat(text[1..], out written, "D3", CultureInfo.InvariantCulture);
        }
        else if (nanos % 1_000 == 0)
        {
            (nanos / 1_000).TryFormat(text[1..], out written, "D6", CultureInfo.InvariantCulture);
        }
        else
        {
            nanos.TryFormat(text[1..], out written, "D9", CultureInfo.InvariantCulture);
        }

        return written + 1;
    }

    /// <summary>The paths in lowerCamelCase, comma-joined; refused, as <c>JsonFormatter</c> does, when one would not come back the same.</summary>
    private readonly void WriteFieldMask(int begin, int end)
    {
        var joined = new StringBuilder();
        for (var i = begin; i < end; i++)
        {
            var field = _fields[i];
            if (field.Number != 1 || field.WireType != WireReader.LengthDelimited)
            {
                continue;
            }

            var path = Encoding.UTF8.GetString(Text(field.Start, field.Length));
            if (!IsRoundTrippablePath(path))
            {
                throw new InvalidOperationException($"Invalid field mask to be converted to JSON: {path}");
            }

            if (joined.Length > 0)
            {
                joined.Append(',');
            }

            ProtoSchema.AppendLowerCamelCase(joined, path);
        }

        _writer.WriteStringValue(joined.ToString());
    }

    // No capitals, and every '_' followed by a lowercase letter: the camelCase form then converts back to the same path.
    private static bool IsRoundTrippablePath(string path)
    {
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (char.IsAsciiLetterUpper(c) || (c == '_' && i < path.Length - 1 && !char.IsAsciiLetterLower(path[i + 1])))
            {
                return false;
            }
        }

        return true;
    }

    private void WriteStruct(MessageSchema schema, int begin, int end)
    {
        var fields = schema.FindFieldByNumber(1) ?? throw new InvalidOperationException($"{schema} has no fields map");
        var from = begin;
        while (from < end && _fields[from].Number != 1)
        {
            from++;
        }

        var to = from < end ? RunEnd(from, end) : from;
        Push(fields.Name, 0);
        WriteMapObject(fields, from, to, structFields: true);
        Pop();
    }

    /// <summary>The member of the <c>kind</c> oneof set last, as a bare JSON value; a Value with none set is refused.</summary>
    private void WriteValue(MessageSchema schema, int begin, int end)
    {
        FieldSchema? kind = null;
        int kindFrom = 0, kindTo = 0, latest = -1;
        for (var i = begin; i < end;)
        {
            var next = RunEnd(i, end);
            if (schema.FindFieldByNumber(_fields[i].Number) is { OneofName: not null, Type: not ProtoFieldType.Group } member
                && LastValid(member, i, next) is var last and >= 0
                && _fields[last].Order > latest)
            {
                (kind, kindFrom, kindTo, latest) = (member, i, next, _fields[last].Order);
            }

            i = next;
        }

        if (kind is null)
        {
            throw new InvalidOperationException("Value message must contain a value for the oneof.");
        }

        if (kind.Type == ProtoFieldType.Message)
        {
            WriteMergedMessage(kind.MessageType, kindFrom, kindTo, LastOtherOneofMember(kind, begin, end));
        }
        else
        {
            // null_value is the NullValue enum, which WriteScalar writes as null whatever its number.
            WriteScalar(kind, _fields[LastValid(kind, kindFrom, kindTo)]);
        }
    }

    private void WriteListValue(MessageSchema schema, int begin, int end)
    {
        var values = schema.FindFieldByNumber(1) ?? throw new InvalidOperationException($"{schema} has no values list");
        Push(values.Name, 0);
        _writer.WriteStartArray();
        var index = 0;
        for (var i = begin; i < end; i++)
        {
            var field = _fields[i];
            if (field.Number == 1 && field.WireType == WireReader.LengthDelimited)
            {
                SetIndex(index++);
                WriteMessageChunk(values.MessageType, field.Start, field.Length);
            }
        }

        _writer.WriteEndArray();
        Pop();
    }

    /// <summary>The wrapped value, bare, even when it is the default.</summary>
    private void WriteWrapper(MessageSchema schema, int begin, int end)
    {
        var value = schema.FindFieldByNumber(1) ?? throw new InvalidOperationException($"{schema} has no value");
        var last = -1;
        for (var i = end - 1; i >= begin && last < 0; i--)
        {
            if (_fields[i].Number == 1 && IsValid(value, _fields[i].WireType))
            {
                last = i;
            }
        }

        WriteScalar(value, last < 0 ? new WireField(1, FieldSchema.WireTypeOf(value.Type), 0, 0, 0, 0) : _fields[last]);
    }

    /// <summary>The last occurrence of field <paramref name="number"/> with wire type <paramref name="wire"/>, or -1.</summary>
    private readonly int LastOf(int begin, int end, int number, int wire)
    {
        for (var i = end - 1; i >= begin; i--)
        {
            if (_fields[i].Number == number && _fields[i].WireType == wire)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A varint field's last value, 0 when absent (Duration's and Timestamp's seconds and nanos).</summary>
    private readonly ulong LastScalar(int begin, int end, int number)
    {
        var last = LastOf(begin, end, number, WireReader.Varint);
        return last < 0 ? 0 : _fields[last].Scalar;
    }
}
