using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>
/// <c>envoy.filters.network.http_connection_manager</c>. Routes come either inline (<see cref="RouteConfig"/>) or by
/// name from RDS (<see cref="RdsRouteConfigName"/>, looked up in <see cref="ProxyConfig.Routes"/> per request, so an
/// RDS update changes routing without touching the listener).
/// </summary>
public sealed record HttpConnectionManagerConfig(string Name, string StatPrefix) : NetworkFilterConfig(Name)
{
    public const string FilterName = "envoy.filters.network.http_connection_manager";

    public HttpCodecType CodecType { get; init; }

    /// <summary>RDS route configuration name; null when routes are inline.</summary>
    public string? RdsRouteConfigName { get; init; }

    /// <summary>
    /// RDS: how long the listener waits for its route configuration before it goes active without it
    /// (<c>rds.config_source.initial_fetch_timeout</c>). Null means Envoy's default of 15 s; Zero waits forever
    /// (what Istio sends).
    /// </summary>
    public TimeSpan? RdsInitialFetchTimeout { get; init; }

    /// <summary>Inline <c>route_config</c>; null when RDS is used.</summary>
    public RouteTableConfig? RouteConfig { get; init; }

    /// <summary>HTTP filters in order; the router is last. Filters skipped by policy are not here.</summary>
    public ImmutableArray<HttpFilterConfig> HttpFilters { get; init; } = [];

    public bool UseRemoteAddress { get; init; }

    public uint XffNumTrustedHops { get; init; }

    /// <summary>Value of the <c>server</c> response header; Envoy's default is <c>envoy</c>, ours <c>meshproxy</c>.</summary>
    public string ServerName { get; init; } = "meshproxy";

    public bool GenerateRequestId { get; init; } = true;

    /// <summary>Envoy's default 5 minutes; null disables.</summary>
    public TimeSpan? StreamIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Whole-request timeout; null (Envoy's default) disables.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary><c>common_http_protocol_options.idle_timeout</c>: Envoy's default 1 hour; null disables.</summary>
    public TimeSpan? IdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary><c>common_http_protocol_options.max_requests_per_connection</c>; null is unlimited.</summary>
    public uint? MaxRequestsPerConnection { get; init; }

    /// <summary><c>max_request_headers_kb</c>, Envoy's default 60.</summary>
    public uint MaxRequestHeadersKb { get; init; } = 60;

    /// <summary><c>common_http_protocol_options.max_headers_count</c>, Envoy's default 100.</summary>
    public uint MaxHeadersCount { get; init; } = 100;

    /// <summary><c>drain_timeout</c>: Envoy's default 5 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>Envoy's <c>codec_type</c>.</summary>
public enum HttpCodecType
{
    Auto,
    Http1,
    Http2,
}

/// <summary>Base of every HTTP filter's typed configuration.</summary>
/// <param name="Name">The filter's configured name (for example <c>envoy.filters.http.router</c>).</param>
public abstract record HttpFilterConfig(string Name);
