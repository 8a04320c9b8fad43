using System.Collections.Immutable;
using Envoy.Config.Route.V3;
using MeshProxy.Core.Config.Http;
using HeaderMatcher = Envoy.Config.Route.V3.HeaderMatcher;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy's <c>RouteMatch</c> to <see cref="RouteMatchConfig"/>. A criterion MeshProxy cannot evaluate is an error,
/// never a warning: ignoring it would make the route match requests it was meant to leave alone.
/// </summary>
internal static class RouteMatchConverter
{
    public static RouteMatchConfig? Convert(RouteMatch? match, string path, ConversionContext context)
    {
        if (match is null)
        {
            context.Error(path, "a match is required");
            return null;
        }

        var ok = UnsupportedFields.Reject(
            match, path, context, "ignoring this criterion would widen the route",
            "prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive", "headers", "query_parameters", "grpc",
            "connect_matcher");

        RouteMatchConfig? result = null;
        switch (match.PathSpecifierCase)
        {
            case RouteMatch.PathSpecifierOneofCase.Prefix:
                result = new RouteMatchConfig(PathMatchKind.Prefix, match.Prefix);
                break;
            case RouteMatch.PathSpecifierOneofCase.Path:
                result = new RouteMatchConfig(PathMatchKind.Path, match.Path);
                break;
            case RouteMatch.PathSpecifierOneofCase.PathSeparatedPrefix:
                var separated = match.PathSeparatedPrefix;
                if (separated.Length == 0 || separated[0] != '/' || (separated.Length > 1 && separated[^1] == '/')
                    || separated.AsSpan().IndexOfAny('?', '#') >= 0)
                {
                    context.Error(
                        FieldPath.Field(path, "path_separated_prefix"),
                        $"'{separated}' must start with '/', must not end with '/' and must not contain '?' or '#'");
                    ok = false;
                }
                else
                {
                    result = new RouteMatchConfig(PathMatchKind.PathSeparatedPrefix, separated);
                }

                break;
            case RouteMatch.PathSpecifierOneofCase.SafeRegex:
                var regex = RegexConverter.Convert(match.SafeRegex, FieldPath.Field(path, "safe_regex"), context, anchored: true);
                if (regex is null)
                {
                    ok = false;
                }
                else
                {
                    result = new RouteMatchConfig(PathMatchKind.Regex, string.Empty) { PathRegex = regex };
                }

                break;
            case RouteMatch.PathSpecifierOneofCase.ConnectMatcher:
                // Envoy's ConnectMatcher has no fields: the route takes CONNECT requests, and only those.
                result = new RouteMatchConfig(PathMatchKind.Connect, string.Empty);
                break;
            default:
                // Reject() above already named path_match_policy when set.
                if (match.PathSpecifierCase == RouteMatch.PathSpecifierOneofCase.None)
                {
                    context.Error(path, "a path specifier (prefix, path, path_separated_prefix, safe_regex or connect_matcher) is required");
                }

                ok = false;
                break;
        }

        var headers = ImmutableArray.CreateBuilder<HeaderMatcherConfig>(match.Headers.Count + (match.Grpc is null ? 0 : 1));
        for (var i = 0; i < match.Headers.Count; i++)
        {
            var header = ConvertHeader(match.Headers[i], FieldPath.Index(FieldPath.Field(path, "headers"), i), context);
            ok &= header is not null;
            if (header is not null)
            {
                headers.Add(header);
            }
        }

        // Envoy's grpc matcher is exactly this check on content-type.
        if (match.Grpc is not null)
        {
            headers.Add(new HeaderMatcherConfig("content-type", HeaderMatchKind.Value)
            {
                StringMatch = new StringMatcherConfig(StringMatchKind.Prefix, "application/grpc"),
            });
        }

        var queries = ImmutableArray.CreateBuilder<QueryParameterMatcherConfig>(match.QueryParameters.Count);
        for (var i = 0; i < match.QueryParameters.Count; i++)
        {
            var query = ConvertQuery(match.QueryParameters[i], FieldPath.Index(FieldPath.Field(path, "query_parameters"), i), context);
            ok &= query is not null;
            if (query is not null)
            {
                queries.Add(query);
            }
        }

        if (!ok || result is null)
        {
            return null;
        }

        return result with
        {
            CaseSensitive = match.CaseSensitive ?? true,
            Headers = headers.ToImmutable(),
            QueryParameters = queries.ToImmutable(),
        };
    }

    public static HeaderMatcherConfig? ConvertHeader(HeaderMatcher header, string path, ConversionContext context)
    {
        if (header.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a header name is required");
            return null;
        }

        var name = header.Name.ToLowerInvariant();
        HeaderMatcherConfig? result;
        switch (header.HeaderMatchSpecifierCase)
        {
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.StringMatch:
                var matcher = StringMatcherConverter.Convert(header.StringMatch, FieldPath.Field(path, "string_match"), context);
                result = matcher is null ? null : new HeaderMatcherConfig(name, HeaderMatchKind.Value) { StringMatch = matcher };
                break;
#pragma warning disable CS0612 // the legacy matcher fields are deprecated but still sent by control planes.
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.ExactMatch when header.ExactMatch.Length == 0:
                // Envoy's legacy exact_match compares 'value_.empty() || value == value_': empty matches any value of
                // a present header (an absent one still fails, even inverted). An empty prefix is exactly that;
                // present_match would differ under invert_match, which lets an absent header through.
                result = Legacy(name, StringMatchKind.Prefix, string.Empty);
                break;
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.ExactMatch:
                result = Legacy(name, StringMatchKind.Exact, header.ExactMatch);
                break;
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.PrefixMatch:
                result = Legacy(name, StringMatchKind.Prefix, header.PrefixMatch);
                break;
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.SuffixMatch:
                result = Legacy(name, StringMatchKind.Suffix, header.SuffixMatch);
                break;
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.ContainsMatch:
                result = Legacy(name, StringMatchKind.Contains, header.ContainsMatch);
                break;
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.SafeRegexMatch:
                var regex = RegexConverter.Convert(header.SafeRegexMatch, FieldPath.Field(path, "safe_regex_match"), context, anchored: true);
                result = regex is null
                    ? null
                    : new HeaderMatcherConfig(name, HeaderMatchKind.Value)
                    {
                        StringMatch = new StringMatcherConfig(StringMatchKind.Regex, header.SafeRegexMatch.Regex) { Regex = regex },
                    };
#pragma warning restore CS0612
                break;
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.PresentMatch:
                result = new HeaderMatcherConfig(name, HeaderMatchKind.Present) { PresentMatch = header.PresentMatch };
                break;
            case HeaderMatcher.HeaderMatchSpecifierOneofCase.RangeMatch:
                if (header.RangeMatch.End <= header.RangeMatch.Start)
                {
                    context.Error(FieldPath.Field(path, "range_match"), "end must be greater than start");
                    result = null;
                }
                else
                {
                    result = new HeaderMatcherConfig(name, HeaderMatchKind.Range)
                    {
                        RangeStart = header.RangeMatch.Start,
                        RangeEnd = header.RangeMatch.End,
                    };
                }

                break;
            default:
                // Envoy: a matcher with no specifier checks that the header is present.
                result = new HeaderMatcherConfig(name, HeaderMatchKind.Present);
                break;
        }

        UnsupportedFields.Warn(
            header, path, context,
            "name", "exact_match", "safe_regex_match", "range_match", "present_match", "prefix_match", "suffix_match", "contains_match",
            "string_match", "invert_match", "treat_missing_header_as_empty");
        return result is null
            ? null
            : result with { Invert = header.InvertMatch, TreatMissingHeaderAsEmpty = header.TreatMissingHeaderAsEmpty };

        // The deprecated fields compare case-sensitively; an empty exact value is allowed (see above), the others must
        // not be empty (Envoy: min_len 1), but Istio never sends those empty, so they simply compare.
        static HeaderMatcherConfig Legacy(string name, StringMatchKind kind, string value) =>
            new(name, HeaderMatchKind.Value) { StringMatch = new StringMatcherConfig(kind, value) };
    }

    private static QueryParameterMatcherConfig? ConvertQuery(QueryParameterMatcher query, string path, ConversionContext context)
    {
        if (query.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a query parameter name is required");
            return null;
        }

        switch (query.QueryParameterMatchSpecifierCase)
        {
            case QueryParameterMatcher.QueryParameterMatchSpecifierOneofCase.StringMatch:
                var matcher = StringMatcherConverter.Convert(query.StringMatch, FieldPath.Field(path, "string_match"), context);
                return matcher is null ? null : new QueryParameterMatcherConfig(query.Name, matcher);
            case QueryParameterMatcher.QueryParameterMatchSpecifierOneofCase.PresentMatch when !query.PresentMatch:
                context.Error(FieldPath.Field(path, "present_match"), "present_match: false is not supported (Envoy requires true)");
                return null;
            default:
                // present_match: true, or no specifier: the parameter must be present.
                return new QueryParameterMatcherConfig(query.Name, null);
        }
    }
}
