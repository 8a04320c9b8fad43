using System.Globalization;
using System.Numerics;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// Protobuf JSON's scalar spellings, read as Google.Protobuf 3.36's <c>JsonParser</c> reads them (its rules are the
/// reference, quirks included, so that a config means the same whichever parser reads it): numbers arrive as doubles
/// and must be integral and in range; numeric strings go through .NET's parsers with sign, point and exponent allowed,
/// but not a leading '+' or leading zeros; "NaN", "Infinity" and "-Infinity" spelled exactly so.
/// </summary>
/// <remarks>Values come back as what goes on the wire: a varint's value (sign-extended, zigzagged) or a fixed field's bits.</remarks>
internal static class JsonScalars
{
    public const long MaxDurationSeconds = 315_576_000_000;
    public const long MinTimestampSeconds = -62_135_596_800; // 0001-01-01T00:00:00Z
    public const long MaxTimestampSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

    private const NumberStyles Styles = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    private static readonly int[] SubsecondScale = [0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// <summary>A JSON number token's text as a double; false when it is too large for one (JSON has no infinity).</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> text, out double value) =>
        double.TryParse(text, Styles, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>A JSON number for a field of <paramref name="type"/>.</summary>
    public static ScalarError FromNumber(double value, ProtoFieldType type, out ulong wire)
    {
        wire = 0;
        switch (type)
        {
            case ProtoFieldType.Double:
                wire = BitConverter.DoubleToUInt64Bits(value);
                return ScalarError.None;
            case ProtoFieldType.Float:
                var single = (float)value;
                wire = BitConverter.SingleToUInt32Bits(single);
                return float.IsInfinity(single) ? ScalarError.OutOfRange : ScalarError.None;
            case ProtoFieldType.Bool or ProtoFieldType.String or ProtoFieldType.Bytes or ProtoFieldType.Message or ProtoFieldType.Group:
                return ScalarError.WrongKind;
        }

        if (value != Math.Floor(value))
        {
            return ScalarError.NotInteger;
        }

        // Integral doubles: the ranges of C#'s checked conversions, which JsonParser uses.
        switch (type)
        {
            case ProtoFieldType.Int32 or ProtoFieldType.SInt32 or ProtoFieldType.SFixed32 or ProtoFieldType.Enum:
                if (value < int.MinValue || value > int.MaxValue)
                {
                    return ScalarError.OutOfRange;
                }

                wire = Encode(type, (int)value);
                return ScalarError.None;
            case ProtoFieldType.UInt32 or ProtoFieldType.Fixed32:
                if (value <= -1 || value > uint.MaxValue)
                {
                    return ScalarError.OutOfRange;
                }

                wire = (uint)value;
                return ScalarError.None;
            case ProtoFieldType.Int64 or ProtoFieldType.SInt64 or ProtoFieldType.SFixed64:
                if (value < -9223372036854775808.0 || value >= 9223372036854775808.0)
                {
                    return ScalarError.OutOfRange;
                }

                wire = Encode(type, (long)value);
                return ScalarError.None;
            default: // UInt64, Fixed64
                if (value <= -1 || value >= 18446744073709551616.0)
                {
                    return ScalarError.OutOfRange;
                }

                wire = (ulong)value;
                return ScalarError.None;
        }
    }

    /// <summary>A JSON string for a numeric field of <paramref name="type"/> (<c>"123"</c>, <c>"1e3"</c>, <c>"NaN"</c>).</summary>
    public static ScalarError FromString(ReadOnlySpan<byte> text, ProtoFieldType type, out ulong wire)
    {
        wire = 0;
        switch (type)
        {
            case ProtoFieldType.Int32 or ProtoFieldType.SInt32 or ProtoFieldType.SFixed32:
                return Parse<int>(text, out var i32, out var error) ? Set(out wire, Encode(type, i32)) : error;
            case ProtoFieldType.UInt32 or ProtoFieldType.Fixed32:
                return Parse<uint>(text, out var u32, out error) ? Set(out wire, u32) : error;
            case ProtoFieldType.Int64 or ProtoFieldType.SInt64 or ProtoFieldType.SFixed64:
                return Parse<long>(text, out var i64, out error) ? Set(out wire, Encode(type, i64)) : error;
            case ProtoFieldType.UInt64 or ProtoFieldType.Fixed64:
                return Parse<ulong>(text, out var u64, out error) ? Set(out wire, u64) : error;
            case ProtoFieldType.Double:
                if (!Parse<double>(text, out var d, out error))
                {
                    return error;
                }

                wire = BitConverter.DoubleToUInt64Bits(d);
                return SpelledAsParsed(text, double.IsPositiveInfinity(d), double.IsNegativeInfinity(d), double.IsNaN(d));
            case ProtoFieldType.Float:
                if (!Parse<float>(text, out var f, out error))
                {
                    return error;
                }

                wire = BitConverter.SingleToUInt32Bits(f);
                return SpelledAsParsed(text, float.IsPositiveInfinity(f), float.IsNegativeInfinity(f), float.IsNaN(f));
            default:
                return ScalarError.WrongKind;
        }
    }

    /// <summary>A map key (always a JSON string) of an integer type; bool and string keys are the caller's.</summary>
    public static ScalarError FromKey(ReadOnlySpan<byte> text, ProtoFieldType type, out ulong wire) =>
        type is ProtoFieldType.Double or ProtoFieldType.Float ? Set(out wire, 0, ScalarError.WrongKind) : FromString(text, type, out wire);

    /// <summary>The wire value of an int32-like (or enum) field.</summary>
    public static ulong Encode(ProtoFieldType type, int value) => type switch
    {
        ProtoFieldType.SInt32 => (uint)((value << 1) ^ (value >> 31)),
        ProtoFieldType.SFixed32 => (uint)value,
        _ => (ulong)(long)value, // int32 and enums: negative values sign-extended to ten bytes
    };

    public static ulong Encode(ProtoFieldType type, long value) =>
        type == ProtoFieldType.SInt64 ? (ulong)((value << 1) ^ (value >> 63)) : (ulong)value;

    /// <summary><c>"1.5s"</c>, <c>"-0.000000001s"</c>: up to 12 digits of seconds (no leading zero), 9 of fraction.</summary>
    public static bool TryParseDuration(ReadOnlySpan<byte> text, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        text = WithoutFinalNewline(text);
        var negative = text.Length > 0 && text[0] == '-';
        var i = negative ? 1 : 0;
        var digits = CountDigits(text[i..]);
        if (digits is < 1 or > 12 || (digits > 1 && text[i] == '0'))
        {
            return false;
        }

        var whole = long.Parse(text.Slice(i, digits), CultureInfo.InvariantCulture);
        i += digits;
        if (!TryParseFraction(text, ref i, out var fraction) || i != text.Length - 1 || text[i] != 's')
        {
            return false;
        }

        var sign = negative ? -1 : 1;
        seconds = whole * sign;
        nanos = fraction * sign;
        // Duration.IsNormalized: within +-10,000 years, and seconds and nanos not of opposite signs.
        return seconds is >= -MaxDurationSeconds and <= MaxDurationSeconds;
    }

    /// <summary>
    /// RFC 3339 as JsonParser takes it: <c>YYYY-MM-DDTHH:MM:SS</c>, up to 9 fraction digits, <c>Z</c> or an offset of at
    /// most 18 hours (not <c>-00:00</c>), within years 1 to 9999 once the offset is applied.
    /// </summary>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> text, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        text = WithoutFinalNewline(text);
        // The shape JsonParser's regex requires: [0-9]{4}-[01][0-9]-[0-3][0-9]T[012][0-9]:[0-5][0-9]:[0-5][0-9].
        if (text.Length < 20 || !Digits(text, 0, 4) || text[4] != '-' || !Digit(text, 5, '1') || !Digit(text, 6, '9')
            || text[7] != '-' || !Digit(text, 8, '3') || !Digit(text, 9, '9') || text[10] != 'T' || !Digit(text, 11, '2')
            || !Digit(text, 12, '9') || text[13] != ':' || !Digit(text, 14, '5') || !Digit(text, 15, '9') || text[16] != ':'
            || !Digit(text, 17, '5') || !Digit(text, 18, '9'))
        {
            return false;
        }

        int year = Number(text, 0, 4), month = Number(text, 5, 2), day = Number(text, 8, 2);
        int hour = Number(text, 11, 2), minute = Number(text, 14, 2), second = Number(text, 17, 2);
        var i = 19;
        if (!TryParseFraction(text, ref i, out nanos))
        {
            return false;
        }

        var offsetSeconds = 0;
        if (i == text.Length - 1 && text[i] == 'Z')
        {
            // UTC
        }
        else if (i == text.Length - 6 && text[i] is (byte)'+' or (byte)'-' && Digit(text, i + 1, '1') && Digit(text, i + 2, '9')
            && text[i + 3] == ':' && Digit(text, i + 4, '5') && Digit(text, i + 5, '9'))
        {
            var minutes = Number(text, i + 1, 2) * 60 + Number(text, i + 4, 2);
            if (minutes > 18 * 60 || (minutes == 0 && text[i] == '-'))
            {
                return false; // -00:00 is RFC 3339's "offset unknown", no instant at all
            }

            offsetSeconds = (text[i] == '-' ? 1 : -1) * minutes * 60;
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23)
        {
            return false;
        }

        seconds = (new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond
            + offsetSeconds;
        return seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds;
    }

    /// <summary>
    /// One FieldMask path from lowerCamelCase to the proto's snake_case, as JsonParser converts it (<c>fooBar</c> to
    /// <c>foo_bar</c>, <c>GoogleLAB</c> to <c>google_lab</c>); false for a path holding '_' (JSON spells none).
    /// </summary>
    /// <param name="destination">At least twice as long as <paramref name="path"/>.</param>
    public static bool TryToSnakeCase(ReadOnlySpan<byte> path, Span<byte> destination, out int written)
    {
        written = 0;
        var afterFirst = false;
        var afterLower = false;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c is >= (byte)'A' and <= (byte)'Z')
            {
                // An underscore before a capital that follows a non-capital, or that starts a word ("GBike": g_bike).
                if (afterFirst && (afterLower || (i + 1 < path.Length && path[i + 1] is >= (byte)'a' and <= (byte)'z')))
                {
                    destination[written++] = (byte)'_';
                }

                destination[written++] = (byte)(c + ('a' - 'A'));
                afterLower = false;
            }
            else
            {
                if (c == '_')
                {
                    return false;
                }

                destination[written++] = c;
                afterLower = true;
            }

            afterFirst = true;
        }

        return true;
    }

    private static bool Parse<T>(ReadOnlySpan<byte> text, out T value, out ScalarError error)
        where T : INumberBase<T>
    {
        // JsonParser's own refusals before .NET parses: a leading '+', and leading zeros ("01", "-01").
        var refused = (text.Length > 0 && text[0] == '+')
            || (text.Length > 1 && text[0] == '0' && char.IsAsciiDigit((char)text[1]))
            || (text.Length > 2 && text[0] == '-' && text[1] == '0' && char.IsAsciiDigit((char)text[2]));
        if (!refused && T.TryParse(text, Styles, CultureInfo.InvariantCulture, out value!))
        {
            error = ScalarError.None;
            return true;
        }

        value = T.Zero;
        error = !refused && double.TryParse(text, Styles, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? (number == Math.Floor(number) ? ScalarError.OutOfRange : ScalarError.NotInteger)
            : ScalarError.Invalid;
        return false;
    }

    // Parsers return Infinity for "1e999" and accept "infinity" and "nan": only the exact spellings count.
    private static ScalarError SpelledAsParsed(ReadOnlySpan<byte> text, bool positiveInfinity, bool negativeInfinity, bool nan) =>
        (positiveInfinity && !text.SequenceEqual("Infinity"u8)) || (negativeInfinity && !text.SequenceEqual("-Infinity"u8))
        || (nan && !text.SequenceEqual("NaN"u8))
            ? ScalarError.Invalid
            : ScalarError.None;

    private static ScalarError Set(out ulong wire, ulong value, ScalarError error = ScalarError.None)
    {
        wire = value;
        return error;
    }

    // JsonParser's patterns end in '$', which .NET also matches before one final "\n".
    private static ReadOnlySpan<byte> WithoutFinalNewline(ReadOnlySpan<byte> text) =>
        text.Length > 0 && text[^1] == '\n' ? text[..^1] : text;

    // ".123456789": 1 to 9 digits, as nanoseconds; nothing there is zero.
    private static bool TryParseFraction(ReadOnlySpan<byte> text, ref int i, out int nanos)
    {
        nanos = 0;
        if (i >= text.Length || text[i] != '.')
        {
            return true;
        }

        var digits = CountDigits(text[(i + 1)..]);
        if (digits is < 1 or > 9)
        {
            return false;
        }

        nanos = Number(text, i + 1, digits) * SubsecondScale[digits];
        i += 1 + digits;
        return true;
    }

    private static int CountDigits(ReadOnlySpan<byte> text)
    {
        var count = 0;
        while (count < text.Length && char.IsAsciiDigit((char)text[count]))
        {
            count++;
        }

        return count;
    }

    private static bool Digits(ReadOnlySpan<byte> text, int start, int count) => CountDigits(text.Slice(start, count)) == count;

    // A digit no greater than max.
    private static bool Digit(ReadOnlySpan<byte> text, int at, char max) => at < text.Length && text[at] >= '0' && text[at] <= max;

    private static int Number(ReadOnlySpan<byte> text, int start, int count)
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            value = value * 10 + (text[i] - '0');
        }

        return value;
    }
}
