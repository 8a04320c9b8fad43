using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace MeshProxy.Core.Config.Http;

/// <summary>
/// Envoy's <c>RouteMatch</c>: a path criterion plus header and query-parameter matchers, all of which must hold.
/// The path is compared without the query string.
/// </summary>
/// <param name="Kind">How <see cref="Path"/> (or <see cref="PathRegex"/>) is compared.</param>
/// <param name="Path">The prefix or path; empty for <see cref="PathMatchKind.Regex"/> and <see cref="PathMatchKind.Connect"/>.</param>
public sealed record RouteMatchConfig(PathMatchKind Kind, string Path)
{
    /// <summary>Anchored (whole-path) regex for <see cref="PathMatchKind.Regex"/>; null otherwise.</summary>
    public Regex? PathRegex { get; init; }

    /// <summary>Applies to prefix, path and path_separated_prefix, not to regex (as in Envoy).</summary>
    public bool CaseSensitive { get; init; } = true;

    public ImmutableArray<HeaderMatcherConfig> Headers { get; init; } = [];

    public ImmutableArray<QueryParameterMatcherConfig> QueryParameters { get; init; } = [];
}

public enum PathMatchKind
{
    /// <summary>The path starts with <see cref="RouteMatchConfig.Path"/>.</summary>
    Prefix,

    /// <summary>The path equals <see cref="RouteMatchConfig.Path"/>.</summary>
    Path,

    /// <summary>The path equals the prefix or continues with <c>/</c> after it (<c>/api</c> matches <c>/api/x</c>, not <c>/apix</c>).</summary>
    PathSeparatedPrefix,

    /// <summary>The whole path matches <see cref="RouteMatchConfig.PathRegex"/>.</summary>
    Regex,

    /// <summary>
    /// Envoy's <c>connect_matcher</c>: matches CONNECT requests only, whatever their target (an authority-form
    /// <c>host:port</c> has no path). <see cref="RouteMatchConfig.Path"/> is empty. CONNECT requests match no other kind.
    /// </summary>
    Connect,
}
