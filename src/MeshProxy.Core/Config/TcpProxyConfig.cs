namespace MeshProxy.Core.Config;

/// <summary><c>envoy.filters.network.tcp_proxy</c>.</summary>
/// <param name="StatPrefix">Prefix of the filter's stats: <c>tcp.STAT_PREFIX.*</c>.</param>
/// <param name="Cluster">Upstream cluster name.</param>
/// <param name="IdleTimeout">Close both sides after this long with no bytes either way; Envoy's default is 1 hour; null disables.</param>
public sealed record TcpProxyConfig(string Name, string StatPrefix, string Cluster, TimeSpan? IdleTimeout)
    : NetworkFilterConfig(Name)
{
    public const string FilterName = "envoy.filters.network.tcp_proxy";
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);
}
