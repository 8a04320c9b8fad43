using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>A compiled virtual host: its routes in order, tried first to last.</summary>
public sealed class VirtualHost
{
    private readonly bool _hasRegexPath;

    internal VirtualHost(VirtualHostConfig config, HeaderMutationLevel? tableLevel, bool mostSpecificWins)
    {
        Config = config;
        RetryPolicy = config.RetryPolicy is null ? null : new RetryPolicy(config.RetryPolicy);
        var level = HeaderMutationLevel.Create(config.Headers);
        Routes = [.. config.Routes.Select(r => new Route(r, this, [level, tableLevel], mostSpecificWins))];
        _hasRegexPath = config.Routes.Any(r => r.Match.Kind == PathMatchKind.Regex);
    }

    public VirtualHostConfig Config { get; }

    public string Name => Config.Name;

    public ImmutableArray<Route> Routes { get; }

    /// <summary>The virtual host's retry policy (routes without their own use it: <see cref="Route.RetryPolicy"/> already resolves that).</summary>
    public RetryPolicy? RetryPolicy { get; }

    /// <summary>The first route whose match accepts the request; null when none.</summary>
    public Route? FindRoute(IHttpRequestView request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path;
        var pathOnly = RequestHeaders.PathOnly(path);
        var query = RequestHeaders.Query(path);
        if (!_hasRegexPath)
        {
            return FindRoute(request, pathOnly, query, default);
        }

        char[]? rented = null;
        var chars = pathOnly.Length <= ByteRegex.StackChars ? stackalloc char[ByteRegex.StackChars] : (rented = ArrayPool<char>.Shared.Rent(pathOnly.Length));
        try
        {
            return FindRoute(request, pathOnly, query, chars[..Encoding.Latin1.GetChars(pathOnly, chars)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private Route? FindRoute(IHttpRequestView request, ReadOnlySpan<byte> pathOnly, ReadOnlySpan<byte> query, ReadOnlySpan<char> pathChars)
    {
        foreach (var route in Routes.AsSpan())
        {
            if (route.Matches(request, pathOnly, query, pathChars))
            {
                return route;
            }
        }

        return null;
    }
}
