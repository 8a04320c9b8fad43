using System.Collections.Immutable;
using System.Text.RegularExpressions;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http;
using MeshProxy.Core.Http.Routing;

namespace MeshProxy.Tests.Http.Routing;

/// <summary>Small builders for route configs and requests, shaped like what the RDS converter produces.</summary>
internal static class RouteConfigs
{
    public static RouteEntryConfig Prefix(string prefix, string cluster, string name = "") =>
        new(name.Length == 0 ? cluster : name, new RouteMatchConfig(PathMatchKind.Prefix, prefix), new ForwardActionConfig { Cluster = cluster });

    public static RouteEntryConfig Route(RouteMatchConfig match, RouteActionConfig action, string name = "r") => new(name, match, action);

    public static RouteEntryConfig Route(RouteMatchConfig match, string cluster) => new(cluster, match, new ForwardActionConfig { Cluster = cluster });

    public static VirtualHostConfig Host(string name, string[] domains, params RouteEntryConfig[] routes) =>
        new(name, [.. domains]) { Routes = [.. routes] };

    public static RouteTableConfig Table(params VirtualHostConfig[] hosts) => new("table", [.. hosts]);

    public static RouteTable Build(params VirtualHostConfig[] hosts) => RouteTable.Build(Table(hosts));

    /// <summary>A table with one '*' host holding these routes.</summary>
    public static RouteTable Single(params RouteEntryConfig[] routes) => Build(Host("default", ["*"], routes));

    public static InMemoryHttpRequest Get(string path, string authority = "example.com") => new("GET", authority, path);

    /// <summary>As the converter compiles RE2 patterns: anchored, non-backtracking.</summary>
    public static Regex Anchored(string pattern) => new($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    public static Regex Unanchored(string pattern) => new(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    public static HeaderMatcherConfig Header(string name, StringMatchKind kind, string value, bool ignoreCase = false) =>
        new(name, HeaderMatchKind.Value)
        {
            StringMatch = new StringMatcherConfig(kind, value) { IgnoreCase = ignoreCase, Regex = kind == StringMatchKind.Regex ? Anchored(value) : null },
        };

    public static RouteMatchConfig PrefixMatch(string prefix, params HeaderMatcherConfig[] headers) =>
        new(PathMatchKind.Prefix, prefix) { Headers = [.. headers] };

    public static string? RouteName(this RouteTable table, InMemoryHttpRequest request) => table.FindRoute(request)?.Name;

    public static ImmutableArray<T> Array<T>(params T[] items) => [.. items];
}

/// <summary>An <see cref="IRandomSource"/> that returns the given values in turn.</summary>
internal sealed class SequenceRandom(params ulong[] values) : IRandomSource
{
    private int _next;

    public ulong NextUInt64() => values[_next++ % values.Length];
}
