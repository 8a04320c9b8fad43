using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Envoy.Type.Matcher.V3;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy's RE2 patterns (<c>safe_regex</c>) to .NET <see cref="Regex"/>, compiled once at conversion. RE2 has no
/// backtracking; <see cref="RegexOptions.NonBacktracking"/> gives the same linear-time guarantee and accepts what RE2
/// accepts. A pattern it refuses (lookarounds, back references: things RE2 refuses too) still compiles with a match
/// timeout, so a bad pattern cannot stall a worker. Compiled regexes are cached by pattern: RDS pushes repeat them.
/// </summary>
public static class RegexConverter
{
    /// <summary>Bound on a backtracking fallback's match time.</summary>
    public static readonly TimeSpan FallbackMatchTimeout = TimeSpan.FromMilliseconds(50);

    private const int CacheLimit = 4096;
    private static readonly ConcurrentDictionary<(string Pattern, bool Anchored), Regex> Cache = new();

    /// <summary>Compiles <c>RegexMatcher.regex</c>; records an error naming <c>path.regex</c> when invalid.</summary>
    /// <param name="anchored">True for matching (the whole value must match, as in Envoy); false for rewriting.</param>
    public static Regex? Convert(RegexMatcher? matcher, string path, ConversionContext context, bool anchored)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (matcher is null)
        {
            context.Error(path, "a regex is required");
            return null;
        }

        UnsupportedFields.Warn(matcher, path, context, "regex", "google_re2");
        return Compile(matcher.Regex, FieldPath.Field(path, "regex"), context, anchored);
    }

    public static Regex? Compile(string pattern, string path, ConversionContext context, bool anchored)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(context);
        if (Cache.TryGetValue((pattern, anchored), out var cached))
        {
            return cached;
        }

        if (FindNonAscii(pattern) is { } position)
        {
            context.Error(
                path,
                $"regex '{pattern}' has a non-ASCII literal at position {position}: MeshProxy matches request bytes one "
                + "byte per character, while Envoy's RE2 matches UTF-8 code points, so it would not match the same requests");
            return null;
        }

        // RE2 spells named groups (?P<name>...); .NET only (?<name>...).
        var text = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        if (anchored)
        {
            text = string.Concat(@"\A(?:", text, @")\z");
        }

        Regex regex;
        try
        {
            try
            {
                regex = new Regex(text, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
            }
            catch (NotSupportedException)
            {
                regex = new Regex(text, RegexOptions.CultureInvariant, FallbackMatchTimeout);
            }
        }
        catch (ArgumentException ex)
        {
            context.Error(path, $"invalid regex '{pattern}': {ex.Message}");
            return null;
        }

        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear();
        }

        Cache[(pattern, anchored)] = regex;
        return regex;
    }

    // The first non-ASCII character, or hex escape (\xHH, \x{H...}) naming a code point above 0x7F; null when none.
    private static int? FindNonAscii(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (!char.IsAscii(c))
            {
                return i;
            }

            if (c != '\\' || i + 1 >= pattern.Length)
            {
                continue;
            }

            if (pattern[i + 1] == 'x')
            {
                var digits = pattern.AsSpan(i + 2);
                if (digits.StartsWith('{'))
                {
                    var close = digits.IndexOf('}');
                    if (close > 1 && int.TryParse(digits[1..close], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code) && code > 0x7F)
                    {
                        return i;
                    }
                }
                else if (digits.Length >= 2 && int.TryParse(digits[..2], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code) && code > 0x7F)
                {
                    return i;
                }
            }

            // Skip the escaped character (an escaped backslash must not start another escape).
            i++;
        }

        return null;
    }

    /// <summary>RE2/Envoy substitution (<c>\1</c> for a group) to .NET's (<c>${1}</c>, with a literal <c>$</c> doubled).</summary>
    public static string ConvertSubstitution(string substitution)
    {
        ArgumentNullException.ThrowIfNull(substitution);
        var result = new StringBuilder(substitution.Length + 8);
        for (var i = 0; i < substitution.Length; i++)
        {
            var c = substitution[i];
            if (c == '\\' && i + 1 < substitution.Length && char.IsAsciiDigit(substitution[i + 1]))
            {
                result.Append("${").Append(substitution[i + 1]).Append('}');
                i++;
            }
            else if (c == '\\' && i + 1 < substitution.Length && substitution[i + 1] == '\\')
            {
                result.Append('\\');
                i++;
            }
            else if (c == '$')
            {
                result.Append("$$");
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
