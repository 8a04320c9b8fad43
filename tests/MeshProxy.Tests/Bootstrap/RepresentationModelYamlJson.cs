using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MeshProxy.Xds.Conversion;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MeshProxy.Tests.Bootstrap;

/// <summary>
/// The YAML-to-JSON converter as it was before it streamed parser events: YamlDotNet's representation model
/// (<c>YamlStream.Load</c>, a whole node tree) walked into a Utf8JsonWriter. Kept only as the reference the
/// streaming converter is compared with, byte for byte and error message for error message.
/// </summary>
internal static class RepresentationModelYamlJson
{
    private const int MaxDepth = 128;
    private const long MaxExactDouble = 1L << 53;

    private static readonly HashSet<string> Nulls = new(StringComparer.Ordinal) { "", "~", "null", "Null", "NULL" };
    private static readonly HashSet<string> Trues = new(StringComparer.Ordinal)
    {
        "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y",
    };

    private static readonly HashSet<string> Falses = new(StringComparer.Ordinal)
    {
        "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N",
    };

    /// <summary>Converts one YAML document to JSON; throws <see cref="ConfigException"/> with line and column on bad YAML.</summary>
    public static string Convert(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            throw new ConfigException(
                string.Empty,
                $"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {Describe(ex)}");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way on some malformed flow collections; the last event parsed
            // is the closest position we have.
            var mark = parser.Current?.End ?? Mark.Empty;
            throw new ConfigException(
                $"invalid YAML after line {mark.Line}, column {mark.Column}: the parser could not continue (check brackets and quotes)",
                ex);
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw new ConfigException(
                string.Empty, $"invalid YAML at line {second.Line}, column {second.Column}: a bootstrap is one YAML document, found {stream.Documents.Count}");
        }

        if (stream.Documents.Count == 0)
        {
            return "{}";
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, stream.Documents[0].RootNode, 0);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ConfigException(string.Empty, $"invalid YAML at line {node.Start.Line}, column {node.Start.Column}: nested deeper than {MaxDepth} levels");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw new ConfigException(
                            string.Empty, $"invalid YAML at line {key.Start.Line}, column {key.Start.Column}: mapping keys must be plain strings");
                    }

                    writer.WritePropertyName(name);
                    Write(writer, value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new ConfigException(
                    string.Empty, $"invalid YAML at line {node.Start.Line}, column {node.Start.Column}: unsupported node {node.NodeType}");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain || IsStringTag(scalar.Tag))
        {
            writer.WriteStringValue(text);
            return;
        }

        if (Nulls.Contains(text))
        {
            writer.WriteNullValue();
        }
        else if (Trues.Contains(text))
        {
            writer.WriteBooleanValue(true);
        }
        else if (Falses.Contains(text))
        {
            writer.WriteBooleanValue(false);
        }
        else if (TryParseInteger(text, out var integer, out var exactText))
        {
            if (exactText is not null)
            {
                writer.WriteStringValue(exactText);
            }
            else
            {
                writer.WriteNumberValue(integer);
            }
        }
        else if (IsDecimalFloat(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(SpecialFloat(text) ?? text);
        }
    }

    private static bool IsStringTag(TagName tag) =>
        !tag.IsEmpty && (tag.Value == "tag:yaml.org,2002:str" || tag.Value == "!");

    // Integers exact in a double are numbers; larger ones become strings of their decimal digits
    // (protobuf JSON accepts both for int64/uint64; a number would lose digits in the double-based parser).
    private static bool TryParseInteger(string text, out long value, out string? exactText)
    {
        exactText = null;
        var body = text.TrimStart('+', '-');
        var negative = text.StartsWith('-');
        if (text.Length - body.Length > 1)
        {
            value = 0;
            return false;
        }

        if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(body.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return Finish(negative, hex, out value, out exactText);
        }

        if (body.Length > 0 && body.All(char.IsAsciiDigit)
            && ulong.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out var digits))
        {
            return Finish(negative, digits, out value, out exactText);
        }

        value = 0;
        return false;
    }

    private static bool Finish(bool negative, ulong magnitude, out long value, out string? exactText)
    {
        exactText = null;
        if (magnitude <= MaxExactDouble)
        {
            value = negative ? -(long)magnitude : (long)magnitude;
            return true;
        }

        value = 0;
        exactText = (negative ? "-" : string.Empty) + magnitude.ToString(CultureInfo.InvariantCulture);
        return true;
    }

    // Only what JSON and YAML agree is a decimal number: no "Infinity", no hex floats, no "1_000".
    private static bool IsDecimalFloat(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-')
        {
            i++;
        }

        var digits = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
            digits++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var exponent = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                exponent++;
            }

            if (exponent == 0)
            {
                return false;
            }
        }

        return i == text.Length;
    }

    // YAML's .inf/.nan spelled the way protobuf JSON accepts them for float and double fields.
    private static string? SpecialFloat(string text) => text switch
    {
        ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" => "Infinity",
        "-.inf" or "-.Inf" or "-.INF" => "-Infinity",
        ".nan" or ".NaN" or ".NAN" => "NaN",
        _ => null,
    };

    // YamlDotNet's message repeats the position as "(Line: .., Col: .., Idx: ..) - (...): "; keep the words.
    private static string Describe(YamlException ex)
    {
        var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }
}
