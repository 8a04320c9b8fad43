using System.Text;
using System.Text.RegularExpressions;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>Envoy's <c>StringMatcher</c> compiled to bytes (UTF-8 of the configured value; ASCII case folding).</summary>
internal sealed class ByteStringMatcher
{
    private readonly StringMatchKind _kind;
    private readonly byte[] _value;
    private readonly bool _ignoreCase;
    private readonly Regex? _regex;

    public ByteStringMatcher(StringMatcherConfig config)
    {
        _kind = config.Kind;
        _ignoreCase = config.IgnoreCase && config.Kind != StringMatchKind.Regex;
        _value = Encoding.UTF8.GetBytes(_ignoreCase ? config.Value.ToLowerInvariant() : config.Value);
        _regex = config.Regex;
        if (_kind == StringMatchKind.Regex && _regex is null)
        {
            throw new ArgumentException("a regex string matcher needs its compiled regex", nameof(config));
        }
    }

    public bool Matches(ReadOnlySpan<byte> input)
    {
        switch (_kind)
        {
            case StringMatchKind.Exact:
                return Equal(input, _value);
            case StringMatchKind.Prefix:
                return input.Length >= _value.Length && Equal(input[.._value.Length], _value);
            case StringMatchKind.Suffix:
                return input.Length >= _value.Length && Equal(input[^_value.Length..], _value);
            case StringMatchKind.Contains:
                return _ignoreCase ? ContainsIgnoreCase(input, _value) : input.IndexOf(_value) >= 0;
            default:
                return ByteRegex.IsMatch(_regex!, input);
        }
    }

    private bool Equal(ReadOnlySpan<byte> input, ReadOnlySpan<byte> value) =>
        _ignoreCase ? Ascii.EqualsIgnoreCase(input, value) : input.SequenceEqual(value);

    // value is lower case already.
    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> input, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        for (var i = 0; i + value.Length <= input.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(input.Slice(i, value.Length), value))
            {
                return true;
            }
        }

        return false;
    }
}
