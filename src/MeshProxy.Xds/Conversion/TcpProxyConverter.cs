using MeshProxy.Core.Config;
using TcpProxyProto = Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy;

namespace MeshProxy.Xds.Conversion;

/// <summary><c>envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy</c> to <see cref="TcpProxyConfig"/>.</summary>
public static class TcpProxyConverter
{
    /// <param name="proxy">The unpacked typed_config.</param>
    /// <param name="filterName">The filter's configured name.</param>
    /// <param name="path">Path of the <c>typed_config</c> field.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <returns>The filter config, or null when an error was recorded.</returns>
    public static TcpProxyConfig? Convert(TcpProxyProto proxy, string filterName, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        ArgumentNullException.ThrowIfNull(context);
        var ok = true;
        if (proxy.StatPrefix.Length == 0)
        {
            context.Error(FieldPath.Field(path, "stat_prefix"), "a stat_prefix is required");
            ok = false;
        }

        string cluster = string.Empty;
        switch (proxy.ClusterSpecifierCase)
        {
            case TcpProxyProto.ClusterSpecifierOneofCase.Cluster when proxy.Cluster.Length > 0:
                cluster = proxy.Cluster;
                break;
            case TcpProxyProto.ClusterSpecifierOneofCase.WeightedClusters:
                context.Error(FieldPath.Field(path, "weighted_clusters"), "weighted_clusters is not supported yet; use cluster");
                ok = false;
                break;
            default:
                context.Error(FieldPath.Field(path, "cluster"), "a cluster is required");
                ok = false;
                break;
        }

        // Envoy: unset means 1 hour; 0s disables the idle timeout.
        var idle = DurationConverter.Convert(
            proxy.IdleTimeout, TcpProxyConfig.DefaultIdleTimeout, FieldPath.Field(path, "idle_timeout"), context, allowZero: true);
        ok &= idle is not null;

        UnsupportedFields.Warn(proxy, path, context, "stat_prefix", "cluster", "weighted_clusters", "idle_timeout");
        if (!ok)
        {
            return null;
        }

        return new TcpProxyConfig(filterName, proxy.StatPrefix, cluster, idle == TimeSpan.Zero ? null : idle);
    }
}
