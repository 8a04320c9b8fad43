using System.Text;
using System.Text.Json;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Xds.Schema;

// Reading tokens and text, and the errors.
internal ref partial struct ProtoJsonTranscoder
{
    private void Read()
    {
        if (!_reader.Read())
        {
            // The reader throws for a document that ends early; this is the end of a complete one, read past.
            throw new InvalidOperationException("read past the end of the JSON document");
        }
    }

    // Past a value nobody reads (an Any's other properties while looking for "@type"), checking what JsonParser's
    // tokenizer checks that the reader leaves to GetString: escapes that do not make UTF-16.
    private void SkipValue()
    {
        if (_reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            CheckEscapes();
            return;
        }

        var depth = _reader.CurrentDepth;
        do
        {
            Read();
            CheckEscapes();
        }
        while (_reader.CurrentDepth != depth || _reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray));
    }

    private void CheckEscapes()
    {
        if (_reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && _reader.ValueIsEscaped)
        {
            Unescape();
        }
    }

    /// <summary>The current string or property name, unescaped: the input's own bytes when it has no escapes.</summary>
    private readonly ReadOnlySpan<byte> Text(Span<byte> scratch)
    {
        if (!_reader.ValueIsEscaped)
        {
            return _reader.ValueSpan;
        }

        if (_reader.ValueSpan.Length > scratch.Length)
        {
            return Unescape();
        }

        try
        {
            return scratch[.._reader.CopyString(scratch)];
        }
        catch (InvalidOperationException ex)
        {
            throw Error($"invalid string: {ex.Message}");
        }
    }

    private readonly byte[] Unescape()
    {
        var bytes = new byte[_reader.ValueSpan.Length];
        try
        {
            return bytes[.._reader.CopyString(bytes)];
        }
        catch (InvalidOperationException ex)
        {
            throw Error($"invalid string: {ex.Message}");
        }
    }

    private void WriteString(uint tag, bool omitDefault)
    {
        if (omitDefault && _reader.ValueSpan.IsEmpty)
        {
            return;
        }

        _out.WriteVarint(tag);
        if (!_reader.ValueIsEscaped)
        {
            _out.WriteLengthDelimited(_reader.ValueSpan);
            return;
        }

        // Unescaping only shortens: room for the escaped length is enough.
        var mark = _out.BeginLengthDelimited();
        try
        {
            _out.Advance(_reader.CopyString(_out.GetSpan(_reader.ValueSpan.Length)));
        }
        catch (InvalidOperationException ex)
        {
            throw Error($"invalid string: {ex.Message}");
        }

        _out.EndLengthDelimited(mark);
    }

    private readonly void WriteString(uint tag, ReadOnlySpan<byte> text, bool omitDefault)
    {
        if (!omitDefault || !text.IsEmpty)
        {
            _out.WriteVarint(tag);
            _out.WriteLengthDelimited(text);
        }
    }

    // Bytes are base64 as Convert.FromBase64String reads it (what JsonParser uses): the standard alphabet, padded,
    // whitespace ignored.
    private void WriteBase64(uint tag, bool omitDefault)
    {
        var text = _reader.GetString() ?? string.Empty;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Error($"invalid base64 '{Truncate(text)}' (standard alphabet, with '=' padding)");
        }

        WriteString(tag, bytes, omitDefault);
    }

    private void ExpectToken(JsonTokenType expected, JsonMessageInfo message)
    {
        if (_reader.TokenType != expected)
        {
            throw Error($"expected {(expected == JsonTokenType.StartArray ? "an array" : "an object")} for {message.FullName}, not {Describe()}");
        }
    }

    private void ExpectScalar(JsonTokenType expected, JsonFieldInfo field)
    {
        if (_reader.TokenType != expected)
        {
            throw WrongKind(field);
        }
    }

    private ConfigException WrongKind(JsonFieldInfo field) => Error($"expected {Expected(field)}, not {Describe()}");

    private ConfigException UnknownField(JsonMessageInfo message)
    {
        var name = _reader.ValueIsEscaped ? _reader.GetString() ?? string.Empty : Decode(_reader.ValueSpan);
        return Error(name, $"unknown field '{name}' in {message.FullName}");
    }

    private ConfigException OneofTwice(JsonMessageInfo message, JsonFieldInfo field, int firstNumber)
    {
        var first = message.Fields.First(f => f.Number == firstNumber);
        return Error(field.Name, first == field
            ? $"'{field.Name}' is given twice"
            : $"'{first.Name}' and '{field.Name}' are both given, but only one field of oneof '{message.OneofNames[field.OneofIndex]}' may be set");
    }

    private readonly ConfigException Error(string message) => new(_path.Build(_json), message);

    private readonly ConfigException Error(string child, string message) => new(FieldPath.Field(_path.Build(_json), child), message);

    // "a string ("x")", "the number 5", ... for "expected X, not Y".
    private readonly string Describe() => _reader.TokenType switch
    {
        JsonTokenType.String => $"the string {Quoted()}",
        JsonTokenType.Number => $"the number {Quoted()}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => _reader.TokenType.ToString(),
    };

    // The current scalar as written: numbers bare, strings in quotes (shortened when long).
    private readonly string Quoted() => _reader.TokenType == JsonTokenType.String
        ? $"\"{Truncate(_reader.ValueIsEscaped ? SafeGetString() : Decode(_reader.ValueSpan))}\""
        : Decode(_reader.ValueSpan);

    private readonly string SafeGetString()
    {
        try
        {
            return _reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return Decode(_reader.ValueSpan);
        }
    }

    private static string Expected(JsonFieldInfo field) => field.Type switch
    {
        ProtoFieldType.String => "a string",
        ProtoFieldType.Bytes => "a base64 string",
        ProtoFieldType.Bool => "true or false",
        ProtoFieldType.Enum => $"a name or number of {field.Enum.Schema.FullName}",
        ProtoFieldType.Double or ProtoFieldType.Float => $"a number or numeric string ({TypeName(field)})",
        _ => $"an integer or integer string ({TypeName(field)})",
    };

    private static string TypeName(JsonFieldInfo field) => field.Type switch
    {
        ProtoFieldType.Enum => field.Enum.Schema.FullName,
        _ => field.Type.ToString().ToLowerInvariant(),
    };

    private static string Decode(ReadOnlySpan<byte> text) => Encoding.UTF8.GetString(text);

    private static string Truncate(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
