using System.Collections.Immutable;
using System.Net;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Tests.Http.ConnectionManager;

/// <summary>One HTTP connection manager listener in front of one STATIC cluster (<c>backend</c>).</summary>
internal static class HcmConfigs
{
    public const string StatPrefix = "ingress_http";
    public const string ClusterName = "backend";

    public static RouteTableConfig Routes(params RouteEntryConfig[] routes) =>
        new("local", [new VirtualHostConfig("all", ["*"]) { Routes = [.. routes] }]);

    public static RouteEntryConfig Forward(string prefix = "/", Func<ForwardActionConfig, ForwardActionConfig>? configure = null)
    {
        var action = new ForwardActionConfig { Cluster = ClusterName };
        return new RouteEntryConfig("r" + prefix, new RouteMatchConfig(PathMatchKind.Prefix, prefix), configure?.Invoke(action) ?? action);
    }

    public static ProxyConfig Build(
        IPEndPoint upstream,
        Func<HttpConnectionManagerConfig, HttpConnectionManagerConfig>? hcm = null,
        RouteTableConfig? routes = null,
        CircuitBreakerThresholds? breakers = null,
        TimeSpan? connectTimeout = null,
        uint bufferLimit = ListenerConfig.DefaultPerConnectionBufferLimitBytes) =>
        Build([new EndpointConfig(new SocketAddressConfig(upstream.Address, upstream.Port), 1, EndpointHealth.Healthy, 0, "")], hcm, routes, breakers, connectTimeout, bufferLimit);

    public static ProxyConfig Build(
        ImmutableArray<EndpointConfig> endpoints,
        Func<HttpConnectionManagerConfig, HttpConnectionManagerConfig>? hcm = null,
        RouteTableConfig? routes = null,
        CircuitBreakerThresholds? breakers = null,
        TimeSpan? connectTimeout = null,
        uint bufferLimit = ListenerConfig.DefaultPerConnectionBufferLimitBytes)
    {
        var filter = new HttpConnectionManagerConfig(HttpConnectionManagerConfig.FilterName, StatPrefix)
        {
            RouteConfig = routes ?? Routes(Forward()),
            HttpFilters = [new RouterFilterConfig(RouterFilterConfig.FilterName)],
        };
        filter = hcm?.Invoke(filter) ?? filter;
        var listener = new ListenerConfig("http", new SocketAddressConfig(IPAddress.Loopback, 0), [new FilterChainConfig("default", [filter])], bufferLimit, null);
        var cluster = new ClusterConfig(ClusterName, ClusterDiscoveryType.Static, connectTimeout ?? TimeSpan.FromSeconds(5), LbPolicy.RoundRobin, endpoints, bufferLimit)
        {
            CircuitBreakers = new CircuitBreakerConfig(breakers ?? CircuitBreakerThresholds.Default, CircuitBreakerThresholds.Default),
        };
        return ProxyConfig.Empty with { Listeners = [listener], Clusters = [cluster] };
    }
}
