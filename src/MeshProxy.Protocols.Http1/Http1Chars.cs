using System.Buffers;

namespace MeshProxy.Protocols.Http1;

/// <summary>Byte classes of RFC 9110 section 5.6.2 and 5.5, as vectorized search sets.</summary>
internal static class Http1Chars
{
    public const byte CR = (byte)'\r';
    public const byte LF = (byte)'\n';
    public const byte SP = (byte)' ';
    public const byte HTab = (byte)'\t';

    /// <summary>tchar: "!#$%&amp;'*+-.^_`|~" DIGIT ALPHA.</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Bytes never allowed in a field value or reason phrase: CTLs except HTAB, and DEL. Includes CR, LF, NUL.</summary>
    public static readonly SearchValues<byte> InvalidFieldValue = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>Bytes never allowed in a request target: CTLs, SP and DEL. obs-text is let through, as Kestrel does for UTF-8 paths.</summary>
    public static readonly SearchValues<byte> InvalidTarget = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 127]);

    public static bool IsWhitespace(byte b) => b is SP or HTab;

    public static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length && IsWhitespace(value[start]))
        {
            start++;
        }

        var end = value.Length;
        while (end > start && IsWhitespace(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>1*DIGIT into a non-negative long; false when empty, not all digits, or overflowing.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (var b in digits)
        {
            var d = (uint)(b - '0');
            if (d > 9 || value > (long.MaxValue - d) / 10)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }
}
