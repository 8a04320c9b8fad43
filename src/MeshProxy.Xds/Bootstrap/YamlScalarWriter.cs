using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// Writes one YAML scalar as the JSON value Envoy's YAML loader (yaml-cpp) would make of it: quoted scalars and
/// <c>!!str</c> / <c>!</c> tagged ones are strings; plain ones are null, booleans, integers (decimal or hex; beyond
/// 2^53 a string of the decimal digits), decimal floats, <c>.inf</c>/<c>.nan</c> as protobuf JSON spells them, or
/// else strings. Works on spans: no allocation per scalar.
/// </summary>
internal static class YamlScalarWriter
{
    private const ulong MaxExactDouble = 1UL << 53;

    public static void Write(Utf8JsonWriter writer, string text, ScalarStyle style, TagName tag)
    {
        if (style != ScalarStyle.Plain || IsStringTag(tag))
        {
            writer.WriteStringValue(text);
            return;
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                writer.WriteNullValue();
                return;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                writer.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                writer.WriteBooleanValue(false);
                return;
        }

        if (TryParseInteger(text, out var negative, out var magnitude))
        {
            WriteInteger(writer, negative, magnitude);
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

    // At most one sign, then 0x and hex digits or decimal digits that fit a ulong.
    private static bool TryParseInteger(ReadOnlySpan<char> text, out bool negative, out ulong magnitude)
    {
        var body = text.TrimStart("+-");
        negative = text.StartsWith('-');
        magnitude = 0;
        if (text.Length - body.Length > 1)
        {
            return false;
        }

        if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(body[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude))
        {
            return true;
        }

        return body.Length > 0 && !body.ContainsAnyExceptInRange('0', '9')
            && ulong.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
    }

    // Integers exact in a double are numbers; larger ones become strings of their decimal digits
    // (protobuf JSON accepts both for int64/uint64; a number would lose digits in the double-based parser).
    private static void WriteInteger(Utf8JsonWriter writer, bool negative, ulong magnitude)
    {
        if (magnitude <= MaxExactDouble)
        {
            writer.WriteNumberValue(negative ? -(long)magnitude : (long)magnitude);
            return;
        }

        Span<char> digits = stackalloc char[21];
        var length = 0;
        if (negative)
        {
            digits[length++] = '-';
        }

        magnitude.TryFormat(digits[length..], out var written, default, CultureInfo.InvariantCulture);
        writer.WriteStringValue(digits[..(length + written)]);
    }

    // Only what JSON and YAML agree is a decimal number: no "Infinity", no hex floats, no "1_000".
    private static bool IsDecimalFloat(ReadOnlySpan<char> text)
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
}
