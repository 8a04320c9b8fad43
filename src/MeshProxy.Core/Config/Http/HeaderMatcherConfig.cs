namespace MeshProxy.Core.Config.Http;

/// <summary>
/// Envoy's <c>HeaderMatcher</c> on a request header (pseudo-headers such as <c>:method</c> included). Several values
/// of one header are compared joined with <c>,</c>, as Envoy does.
/// </summary>
/// <param name="Name">Lower-case header name.</param>
/// <param name="Kind">What is checked.</param>
public sealed record HeaderMatcherConfig(string Name, HeaderMatchKind Kind)
{
    /// <summary>The comparison for <see cref="HeaderMatchKind.Value"/>; null otherwise.</summary>
    public StringMatcherConfig? StringMatch { get; init; }

    /// <summary><see cref="HeaderMatchKind.Present"/>: true matches a present header, false an absent one.</summary>
    public bool PresentMatch { get; init; } = true;

    /// <summary><see cref="HeaderMatchKind.Range"/>: the value parses as an integer in <c>[RangeStart, RangeEnd)</c>.</summary>
    public long RangeStart { get; init; }

    public long RangeEnd { get; init; }

    /// <summary>
    /// Negates the result for a present header (and for <see cref="HeaderMatchKind.Present"/>). An absent header never
    /// matches a <see cref="HeaderMatchKind.Value"/> or <see cref="HeaderMatchKind.Range"/> matcher, inverted or not,
    /// unless <see cref="TreatMissingHeaderAsEmpty"/> makes it the empty string (Envoy's <c>HeaderUtility::matchHeaders</c>).
    /// </summary>
    public bool Invert { get; init; }

    /// <summary><c>treat_missing_header_as_empty</c>: compare an absent header as the empty string.</summary>
    public bool TreatMissingHeaderAsEmpty { get; init; }
}

public enum HeaderMatchKind
{
    /// <summary>Compare the value with <see cref="HeaderMatcherConfig.StringMatch"/> (exact, prefix, suffix, contains, regex).</summary>
    Value,

    /// <summary>The header is present (or, with <see cref="HeaderMatcherConfig.PresentMatch"/> false, absent).</summary>
    Present,

    /// <summary>The value is an integer within the range.</summary>
    Range,
}
