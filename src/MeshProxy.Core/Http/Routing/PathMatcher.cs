using System.Text;
using System.Text.RegularExpressions;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// A route's path criterion (Envoy's <c>prefix</c>, <c>path</c>, <c>path_separated_prefix</c>, <c>safe_regex</c>) on the path
/// without query, or Envoy's <c>connect_matcher</c>, which looks at the method only (<see cref="MatchesMethod"/>).
/// </summary>
internal sealed class PathMatcher
{
    private readonly PathMatchKind _kind;
    private readonly byte[] _value;
    private readonly bool _caseSensitive;
    private readonly Regex? _regex;

    public PathMatcher(RouteMatchConfig config)
    {
        _kind = config.Kind;
        _value = Encoding.UTF8.GetBytes(config.Path);
        _caseSensitive = config.CaseSensitive;
        _regex = config.PathRegex;
        if (_kind == PathMatchKind.Regex && _regex is null)
        {
            throw new ArgumentException("a regex route needs its compiled regex", nameof(config));
        }
    }

    public PathMatchKind Kind => _kind;

    /// <summary>How many leading bytes of the path <c>prefix_rewrite</c> replaces (Envoy's "matched path").</summary>
    public int MatchedLength(ReadOnlySpan<byte> pathOnly) => _kind == PathMatchKind.Regex ? pathOnly.Length : _value.Length;

    /// <summary>
    /// As Envoy: a <c>connect_matcher</c> route takes CONNECT requests only, and a CONNECT request (authority-form
    /// target, no path) matches no path-based route, not even a regex that would accept its <c>host:port</c>.
    /// </summary>
    public bool MatchesMethod(ReadOnlySpan<byte> method) => IsConnect(method) == (_kind == PathMatchKind.Connect);

    public bool Matches(ReadOnlySpan<byte> pathOnly, ReadOnlySpan<char> pathChars)
    {
        switch (_kind)
        {
            case PathMatchKind.Connect:
                return true; // The method decides (MatchesMethod).
            case PathMatchKind.Prefix:
                return pathOnly.Length >= _value.Length && Equal(pathOnly[.._value.Length]);
            case PathMatchKind.Path:
                return Equal(pathOnly);
            case PathMatchKind.PathSeparatedPrefix:
                return pathOnly.Length >= _value.Length
                    && Equal(pathOnly[.._value.Length])
                    && (pathOnly.Length == _value.Length || pathOnly[_value.Length] == (byte)'/');
            default:
                return _regex!.IsMatch(pathChars);
        }
    }

    private static bool IsConnect(ReadOnlySpan<byte> method) => method.SequenceEqual("CONNECT"u8);

    private bool Equal(ReadOnlySpan<byte> input) => _caseSensitive ? input.SequenceEqual(_value) : Ascii.EqualsIgnoreCase(input, _value);
}
