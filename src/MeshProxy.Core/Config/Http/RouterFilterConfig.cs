namespace MeshProxy.Core.Config.Http;

/// <summary><c>envoy.filters.http.router</c>: the terminal HTTP filter that forwards to the routed cluster.</summary>
public sealed record RouterFilterConfig(string Name) : HttpFilterConfig(Name)
{
    public const string FilterName = "envoy.filters.http.router";

    /// <summary><c>suppress_envoy_headers</c>: do not add <c>x-envoy-*</c> headers (upstream service time, attempt count, ...).</summary>
    public bool SuppressEnvoyHeaders { get; init; }
}
