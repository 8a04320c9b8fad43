using Envoy.Type.Matcher.V3;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Xds.Conversion;

/// <summary>Envoy's <c>StringMatcher</c> to <see cref="StringMatcherConfig"/>.</summary>
internal static class StringMatcherConverter
{
    public static StringMatcherConfig? Convert(StringMatcher matcher, string path, ConversionContext context)
    {
        StringMatcherConfig? result;
        switch (matcher.MatchPatternCase)
        {
            case StringMatcher.MatchPatternOneofCase.Exact:
                result = new StringMatcherConfig(StringMatchKind.Exact, matcher.Exact);
                break;
            case StringMatcher.MatchPatternOneofCase.Prefix when matcher.Prefix.Length > 0:
                result = new StringMatcherConfig(StringMatchKind.Prefix, matcher.Prefix);
                break;
            case StringMatcher.MatchPatternOneofCase.Suffix when matcher.Suffix.Length > 0:
                result = new StringMatcherConfig(StringMatchKind.Suffix, matcher.Suffix);
                break;
            case StringMatcher.MatchPatternOneofCase.Contains when matcher.Contains.Length > 0:
                result = new StringMatcherConfig(StringMatchKind.Contains, matcher.Contains);
                break;
            case StringMatcher.MatchPatternOneofCase.Prefix:
            case StringMatcher.MatchPatternOneofCase.Suffix:
            case StringMatcher.MatchPatternOneofCase.Contains:
                context.Error(path, "prefix, suffix and contains must not be empty");
                return null;
            case StringMatcher.MatchPatternOneofCase.SafeRegex:
                var regex = RegexConverter.Convert(matcher.SafeRegex, FieldPath.Field(path, "safe_regex"), context, anchored: true);
                if (regex is null)
                {
                    return null;
                }

                result = new StringMatcherConfig(StringMatchKind.Regex, matcher.SafeRegex.Regex) { Regex = regex };
                break;
            case StringMatcher.MatchPatternOneofCase.Custom:
                context.Error(FieldPath.Field(path, "custom"), "custom string matchers are not supported");
                return null;
            default:
                context.Error(path, "a match pattern (exact, prefix, suffix, contains or safe_regex) is required");
                return null;
        }

        return matcher.IgnoreCase && result.Kind != StringMatchKind.Regex ? result with { IgnoreCase = true } : result;
    }
}
