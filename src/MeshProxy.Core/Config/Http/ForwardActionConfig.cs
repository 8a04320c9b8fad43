using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>
/// Envoy's <c>RouteAction</c>: forward upstream. Exactly one of <see cref="Cluster"/>, <see cref="WeightedClusters"/> or
/// <see cref="ClusterHeader"/> names the target.
/// </summary>
public sealed record ForwardActionConfig : RouteActionConfig
{
    /// <summary>Envoy's default route <c>timeout</c>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>A single cluster; null when another specifier is used.</summary>
    public string? Cluster { get; init; }

    /// <summary>Clusters picked by weight; their weights sum to more than 0. Empty when another specifier is used.</summary>
    public ImmutableArray<WeightedClusterConfig> WeightedClusters { get; init; } = [];

    /// <summary>Lower-case name of the request header that holds the cluster name; null when another specifier is used.</summary>
    public string? ClusterHeader { get; init; }

    /// <summary>Replaces the matched prefix (prefix and path_separated_prefix routes) with this; null for none.</summary>
    public string? PrefixRewrite { get; init; }

    public RegexRewriteConfig? RegexRewrite { get; init; }

    /// <summary>Sets the upstream <c>:authority</c>/<c>host</c>; null leaves it.</summary>
    public string? HostRewriteLiteral { get; init; }

    /// <summary>Sets the upstream host header to the picked host's address (DNS clusters: its name).</summary>
    public bool AutoHostRewrite { get; init; }

    /// <summary>Whole upstream exchange, retries included; null disables (Envoy's <c>timeout: 0s</c>).</summary>
    public TimeSpan? Timeout { get; init; } = DefaultTimeout;

    /// <summary>Per-route stream idle timeout; null leaves the connection manager's.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Null when the route sets none (the virtual host's then applies).</summary>
    public RetryPolicyConfig? RetryPolicy { get; init; }

    /// <summary>Inputs of consistent hashing for RING_HASH/MAGLEV clusters, in order.</summary>
    public ImmutableArray<HashPolicyConfig> HashPolicy { get; init; } = [];
}

/// <summary>Envoy's <c>regex_rewrite</c>: every match of <see cref="Pattern"/> in the path is replaced.</summary>
/// <param name="Pattern">Unanchored regex.</param>
/// <param name="Substitution">Replacement in .NET syntax (<c>${1}</c> for a group); RE2's <c>\1</c> is translated.</param>
public sealed record RegexRewriteConfig(System.Text.RegularExpressions.Regex Pattern, string Substitution);
