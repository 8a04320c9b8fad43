using System.Text.RegularExpressions;

namespace MeshProxy.Core.Config.Http;

/// <summary>Envoy's <c>StringMatcher</c>.</summary>
/// <param name="Kind">How the value is compared.</param>
/// <param name="Value">The exact value, prefix, suffix or substring; the pattern text for a regex.</param>
public sealed record StringMatcherConfig(StringMatchKind Kind, string Value)
{
    /// <summary>Anchored (whole-value) regex for <see cref="StringMatchKind.Regex"/>; null otherwise.</summary>
    public Regex? Regex { get; init; }

    /// <summary>ASCII case-insensitive comparison; does not apply to regexes (as in Envoy).</summary>
    public bool IgnoreCase { get; init; }
}

public enum StringMatchKind
{
    Exact,
    Prefix,
    Suffix,
    Contains,
    Regex,
}
