namespace MeshProxy.Core.Config.Http;

/// <summary>One input of a route's consistent hash (Envoy's <c>RouteAction.HashPolicy</c>).</summary>
/// <param name="Kind">What is hashed.</param>
/// <param name="Name">Header name (lower case), cookie name or query parameter; empty for the source IP.</param>
public sealed record HashPolicyConfig(HashPolicyKind Kind, string Name)
{
    /// <summary>Stop at this input when it produced a hash (later inputs are not mixed in).</summary>
    public bool Terminal { get; init; }

    /// <summary>Cookie: when set, a missing cookie is generated with this lifetime.</summary>
    public TimeSpan? CookieTtl { get; init; }

    public string CookiePath { get; init; } = string.Empty;
}

public enum HashPolicyKind
{
    Header,
    Cookie,
    SourceIp,
    QueryParameter,
}
