using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// One compiled route: its match (path, headers, query parameters) and its action with everything precomputed as
/// bytes. Forward routes expose the cluster specifier, rewrites, timeouts and the effective retry and hash policies;
/// redirect routes build the <c>Location</c>; direct responses expose status and body.
/// </summary>
public sealed class Route
{
    private readonly PathMatcher _path;
    private readonly HeaderMatcher[] _headers;
    private readonly QueryParameterMatcher[] _queries;
    private readonly WeightedClusterEntry[] _weighted;
    private readonly ulong _totalWeight;
    private readonly byte[]? _prefixRewrite;
    private readonly Regex? _regexRewrite;
    private readonly string? _regexSubstitution;
    private readonly byte[]? _literalSubstitution;
    private readonly byte[]? _redirectScheme;
    private readonly byte[]? _redirectHost;
    private readonly byte[]? _redirectPort;
    private readonly byte[]? _redirectPath;
    private readonly bool _redirectPathHasQuery;
    private readonly bool _stripQuery;

    internal Route(RouteEntryConfig config, VirtualHost host, HeaderMutationLevel?[] outerLevels, bool mostSpecificWins)
    {
        Config = config;
        VirtualHost = host;
        _path = new PathMatcher(config.Match);
        _headers = [.. config.Match.Headers.Select(h => new HeaderMatcher(h))];
        _queries = [.. config.Match.QueryParameters.Select(q => new QueryParameterMatcher(q))];
        HeaderMutationLevel?[] chain = [HeaderMutationLevel.Create(config.Headers), .. outerLevels];
        (RequestLevels, ResponseLevels) = HeaderMutationLevel.Order(mostSpecificWins ? [.. chain.Reverse()] : chain);
        _weighted = [];
        WeightedClusters = [];
        HostRewriteLiteral = ReadOnlyMemory<byte>.Empty;
        DirectResponseBody = ReadOnlyMemory<byte>.Empty;

        switch (config.Action)
        {
            case ForwardActionConfig forward:
                Kind = RouteDecisionKind.Forward;
                Cluster = forward.Cluster;
                ClusterUtf8 = forward.Cluster is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(forward.Cluster);
                ClusterHeader = forward.ClusterHeader;
                ClusterHeaderUtf8 = forward.ClusterHeader is null ? null : Encoding.ASCII.GetBytes(forward.ClusterHeader.ToLowerInvariant());
                _weighted = [.. forward.WeightedClusters.Select(w => new WeightedClusterEntry(w, chain, mostSpecificWins))];
                WeightedClusters = ImmutableCollectionsMarshal.AsImmutableArray(_weighted);
                foreach (var w in _weighted)
                {
                    _totalWeight += w.Weight;
                }

                var specifiers = (forward.Cluster is null ? 0 : 1) + (forward.ClusterHeader is null ? 0 : 1) + (_weighted.Length == 0 ? 0 : 1);
                if (specifiers != 1 || (_weighted.Length > 0 && _totalWeight == 0))
                {
                    throw new ArgumentException($"route '{config.Name}': exactly one cluster specifier is required, and weighted clusters need a total weight above 0", nameof(config));
                }

                _prefixRewrite = forward.PrefixRewrite is null ? null : Encoding.UTF8.GetBytes(forward.PrefixRewrite);
                (_regexRewrite, _regexSubstitution, _literalSubstitution) = CompileRegexRewrite(forward.RegexRewrite);
                HostRewriteLiteral = forward.HostRewriteLiteral is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(forward.HostRewriteLiteral);
                HasHostRewriteLiteral = forward.HostRewriteLiteral is not null;
                AutoHostRewrite = forward.AutoHostRewrite;
                Timeout = forward.Timeout;
                IdleTimeout = forward.IdleTimeout;

                // Envoy: a route's retry policy replaces the virtual host's whole; nothing is inherited field by field.
                RetryPolicy = forward.RetryPolicy is null ? host.RetryPolicy : new RetryPolicy(forward.RetryPolicy);
                HashPolicy = forward.HashPolicy.IsDefaultOrEmpty ? null : new HashPolicy(forward.HashPolicy);
                break;
            case RedirectActionConfig redirect:
                Kind = RouteDecisionKind.Redirect;
                RedirectResponseCode = redirect.ResponseCode;
                _redirectScheme = redirect.Scheme is null ? null : Encoding.ASCII.GetBytes(redirect.Scheme.ToLowerInvariant());
                _redirectHost = redirect.Host is null ? null : Encoding.UTF8.GetBytes(redirect.Host);
                _redirectPort = redirect.Port is null ? null : Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $":{redirect.Port}"));
                _redirectPath = redirect.Path is null ? null : Encoding.UTF8.GetBytes(redirect.Path);
                _redirectPathHasQuery = redirect.Path?.Contains('?', StringComparison.Ordinal) ?? false;
                _stripQuery = redirect.StripQuery;
                _prefixRewrite = redirect.PrefixRewrite is null ? null : Encoding.UTF8.GetBytes(redirect.PrefixRewrite);
                (_regexRewrite, _regexSubstitution, _literalSubstitution) = CompileRegexRewrite(redirect.RegexRewrite);
                break;
            case DirectResponseActionConfig direct:
                Kind = RouteDecisionKind.DirectResponse;
                DirectResponseStatus = direct.Status;
                DirectResponseBody = direct.Body.IsDefault ? ReadOnlyMemory<byte>.Empty : ImmutableCollectionsMarshal.AsArray(direct.Body);
                break;
            default:
                throw new ArgumentException($"route '{config.Name}': unknown action {config.Action?.GetType().Name}", nameof(config));
        }
    }

    public RouteEntryConfig Config { get; }

    public string Name => Config.Name;

    public VirtualHost VirtualHost { get; }

    public RouteDecisionKind Kind { get; }

    /// <summary>Forward: the single target cluster; null for weighted clusters and <c>cluster_header</c>.</summary>
    public string? Cluster { get; }

    /// <summary>Forward: lower-case name of the header that names the cluster; null otherwise.</summary>
    public string? ClusterHeader { get; }

    /// <summary>Forward: weighted targets; empty for other specifiers.</summary>
    public ImmutableArray<WeightedClusterEntry> WeightedClusters { get; }

    /// <summary>Forward: <c>host_rewrite_literal</c> as bytes (see <see cref="HasHostRewriteLiteral"/>).</summary>
    public ReadOnlyMemory<byte> HostRewriteLiteral { get; }

    public bool HasHostRewriteLiteral { get; }

    /// <summary>Forward: set the upstream host to the picked host's name (the caller does it after the pick).</summary>
    public bool AutoHostRewrite { get; }

    /// <summary>Forward: <c>prefix_rewrite</c> or <c>regex_rewrite</c> is set (<see cref="TryRewritePath"/> writes the result).</summary>
    public bool HasPathRewrite => _prefixRewrite is not null || _regexRewrite is not null;

    /// <summary>Forward: the whole-exchange timeout; null disables.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Forward: the stream idle timeout override; null keeps the connection manager's.</summary>
    public TimeSpan? IdleTimeout { get; }

    /// <summary>Forward: the route's retry policy, or the virtual host's when the route has none; null for none.</summary>
    public RetryPolicy? RetryPolicy { get; }

    /// <summary>Forward: consistent-hash inputs; null when none.</summary>
    public HashPolicy? HashPolicy { get; }

    /// <summary>Redirect: 301, 302, 303, 307 or 308.</summary>
    public int RedirectResponseCode { get; }

    /// <summary>Direct response: the status.</summary>
    public int DirectResponseStatus { get; }

    /// <summary>Direct response: the body; empty for none.</summary>
    public ReadOnlyMemory<byte> DirectResponseBody { get; }

    internal ReadOnlyMemory<byte> ClusterUtf8 { get; }

    internal byte[]? ClusterHeaderUtf8 { get; }

    internal HeaderMutationLevel[] RequestLevels { get; }

    internal HeaderMutationLevel[] ResponseLevels { get; }

    /// <summary>
    /// Forward: writes the upstream <c>:path</c> (rewritten path, then the request's query unchanged) when the route
    /// rewrites; false (nothing written) when it does not. <c>prefix_rewrite</c> replaces the matched prefix (the whole
    /// path for <c>path</c> and regex routes); <c>regex_rewrite</c> replaces every match in the path without query.
    /// </summary>
    public bool TryRewritePath(IHttpRequestView request, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(destination);
        if (Kind != RouteDecisionKind.Forward || !HasPathRewrite)
        {
            return false;
        }

        var path = request.Path;
        var pathOnly = RequestHeaders.PathOnly(path);
        WriteRewrittenPathOnly(pathOnly, destination);
        destination.Write(path[pathOnly.Length..]);
        return true;
    }

    /// <summary>
    /// Redirect: writes the <c>Location</c> as Envoy's <c>newUri</c> builds it: scheme (configured, else the
    /// request's), host (configured, else the request's, whose default port is dropped when the scheme changes, or
    /// whose port is replaced by <c>port_redirect</c>), then <c>path_redirect</c> (keeping the request's query unless
    /// it has its own) or the prefix/regex-rewritten path, without the query under <c>strip_query</c>.
    /// </summary>
    public void WriteRedirectLocation(IHttpRequestView request, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(destination);
        if (Kind != RouteDecisionKind.Redirect)
        {
            throw new InvalidOperationException($"route '{Name}' is not a redirect");
        }

        var requestScheme = request.Scheme.IsEmpty ? "http"u8 : request.Scheme;
        ReadOnlySpan<byte> scheme = _redirectScheme ?? (Ascii.EqualsIgnoreCase(requestScheme, "https"u8) ? "https"u8 : "http"u8);
        destination.Write(scheme);
        destination.Write("://"u8);

        var authority = request.Authority;
        ReadOnlySpan<byte> hostPart;
        if (_redirectPort is not null)
        {
            var port = VirtualHostSelector.PortStart(authority);
            hostPart = port < 0 ? authority : authority[..port];
        }
        else
        {
            hostPart = ProcessRequestHost(request, authority, scheme);
        }

        destination.Write(_redirectHost ?? hostPart);
        if (_redirectPort is not null)
        {
            destination.Write(_redirectPort);
        }

        var path = request.Path;
        var pathOnly = RequestHeaders.PathOnly(path);
        if (_redirectPath is not null)
        {
            destination.Write(_redirectPath);
            if (!_redirectPathHasQuery && !_stripQuery)
            {
                destination.Write(path[pathOnly.Length..]);
            }

            return;
        }

        WriteRewrittenPathOnly(pathOnly, destination);
        if (!_stripQuery)
        {
            destination.Write(path[pathOnly.Length..]);
        }
    }

    internal bool Matches(IHttpRequestView request, ReadOnlySpan<byte> pathOnly, ReadOnlySpan<byte> query, ReadOnlySpan<char> pathChars)
    {
        if (!_path.MatchesMethod(request.Method) || !_path.Matches(pathOnly, pathChars))
        {
            return false;
        }

        foreach (var header in _headers)
        {
            if (!header.Matches(request))
            {
                return false;
            }
        }

        foreach (var parameter in _queries)
        {
            if (!parameter.Matches(query))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Envoy's pick: <c>random % total</c> falls into one cluster's <c>[begin, begin + weight)</c>.</summary>
    internal WeightedClusterEntry? PickWeightedCluster(IRandomSource random)
    {
        if (_weighted.Length == 0)
        {
            return null;
        }

        var selected = random.NextUInt64() % _totalWeight;
        ulong end = 0;
        foreach (var cluster in _weighted)
        {
            end += cluster.Weight;
            if (selected < end)
            {
                return cluster;
            }
        }

        return _weighted[^1];
    }

    // Envoy's processRequestHost: drop the request's port when the scheme changes and the port is the default of the
    // scheme the client used (x-forwarded-proto when present), so http://a:80 -> https://a, but :8080 is kept.
    private static ReadOnlySpan<byte> ProcessRequestHost(IHttpRequestView request, ReadOnlySpan<byte> authority, ReadOnlySpan<byte> newScheme)
    {
        var portStart = VirtualHostSelector.PortStart(authority);
        if (portStart < 0)
        {
            return authority;
        }

        if (!RequestHeaders.TryGet(request, "x-forwarded-proto"u8, 0, out var protocol))
        {
            protocol = request.Scheme.IsEmpty ? "http"u8 : request.Scheme;
        }

        var port = authority[portStart..];
        var remove = !Ascii.EqualsIgnoreCase(newScheme, protocol)
            && ((Ascii.EqualsIgnoreCase(protocol, "https"u8) && port.SequenceEqual(":443"u8))
                || (Ascii.EqualsIgnoreCase(protocol, "http"u8) && port.SequenceEqual(":80"u8)));
        return remove ? authority[..portStart] : authority;
    }

    private void WriteRewrittenPathOnly(ReadOnlySpan<byte> pathOnly, IBufferWriter<byte> destination)
    {
        if (_prefixRewrite is not null)
        {
            destination.Write(_prefixRewrite);
            destination.Write(pathOnly[Math.Min(_path.MatchedLength(pathOnly), pathOnly.Length)..]);
        }
        else if (_regexRewrite is not null)
        {
            WriteRegexRewrite(pathOnly, destination);
        }
        else
        {
            destination.Write(pathOnly);
        }
    }

    private void WriteRegexRewrite(ReadOnlySpan<byte> pathOnly, IBufferWriter<byte> destination)
    {
        if (_literalSubstitution is null)
        {
            // Group references need Match objects, which allocate; such rewrites are rare and pay for it.
            var replaced = _regexRewrite!.Replace(Encoding.Latin1.GetString(pathOnly), _regexSubstitution!);
            var bytes = destination.GetSpan(Encoding.Latin1.GetByteCount(replaced));
            destination.Advance(Encoding.Latin1.GetBytes(replaced, bytes));
            return;
        }

        char[]? rented = null;
        var chars = pathOnly.Length <= ByteRegex.StackChars ? stackalloc char[ByteRegex.StackChars] : (rented = ArrayPool<char>.Shared.Rent(pathOnly.Length));
        try
        {
            // Latin-1: char offsets are byte offsets, so the unmatched parts are copied from the original bytes.
            var input = chars[..Encoding.Latin1.GetChars(pathOnly, chars)];
            var last = 0;
            foreach (var match in _regexRewrite!.EnumerateMatches(input))
            {
                destination.Write(pathOnly[last..match.Index]);
                destination.Write(_literalSubstitution);
                last = match.Index + match.Length;
            }

            destination.Write(pathOnly[last..]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static (Regex? Regex, string? Substitution, byte[]? Literal) CompileRegexRewrite(RegexRewriteConfig? rewrite)
    {
        if (rewrite is null)
        {
            return (null, null, null);
        }

        // The substitution is in .NET syntax ('$$' is a literal '$'); without any other '$' it is a constant.
        var withoutEscapes = rewrite.Substitution.Replace("$$", string.Empty, StringComparison.Ordinal);
        var literal = withoutEscapes.Contains('$', StringComparison.Ordinal)
            ? null
            : Encoding.UTF8.GetBytes(rewrite.Substitution.Replace("$$", "$", StringComparison.Ordinal));
        return (rewrite.Pattern, rewrite.Substitution, literal);
    }
}
