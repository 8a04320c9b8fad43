namespace MeshProxy.Core.Config.Http;

/// <summary>Envoy's <c>RedirectAction</c>: answer with a redirect built from the request's URL with these parts replaced.</summary>
public sealed record RedirectActionConfig : RouteActionConfig
{
    /// <summary>New scheme (<c>https_redirect</c> sets <c>https</c>); null keeps the request's.</summary>
    public string? Scheme { get; init; }

    public string? Host { get; init; }

    public int? Port { get; init; }

    /// <summary>Replaces the whole path; null when <see cref="PrefixRewrite"/> or <see cref="RegexRewrite"/> is used or the path is kept.</summary>
    public string? Path { get; init; }

    public string? PrefixRewrite { get; init; }

    public RegexRewriteConfig? RegexRewrite { get; init; }

    /// <summary>301 (default), 302, 303, 307 or 308.</summary>
    public int ResponseCode { get; init; } = 301;

    public bool StripQuery { get; init; }
}
