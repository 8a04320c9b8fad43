using System.Collections.Immutable;
using Envoy.Config.Bootstrap.V3;
using MeshProxy.Core.Config;
using MeshProxy.Xds.Conversion;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;
using StaticResources = Envoy.Config.Bootstrap.V3.Bootstrap.Types.StaticResources;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// Envoy <c>Bootstrap</c> to <see cref="ProxyConfig"/>: node, static listeners and clusters, admin and the
/// static runtime layers. Everything else that is set (dynamic_resources, stats_sinks, tracing,
/// overload_manager, cluster_manager, ...) gets one warning naming it. Errors are collected, not thrown.
/// </summary>
public static class BootstrapConverter
{
    /// <returns>The config, or null when errors were recorded in <paramref name="context"/>.</returns>
    public static ProxyConfig? Convert(BootstrapProto bootstrap, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        ArgumentNullException.ThrowIfNull(context);
        UnsupportedFields.Warn(bootstrap, string.Empty, context, "node", "static_resources", "admin", "layered_runtime", "dynamic_resources");
        var controlPlaneClusters = DynamicResourcesConverter.ControlPlaneClusterNames(bootstrap);
        var clustersAreDynamic = bootstrap.DynamicResources?.CdsConfig is not null;

        var node = ConvertNode(bootstrap.Node, context);
        var runtime = ConvertRuntime(bootstrap.LayeredRuntime, context);
        var admin = ConvertAdmin(bootstrap.Admin, context);

        var listeners = ImmutableArray<ListenerConfig>.Empty;
        var clusters = ImmutableArray<ClusterConfig>.Empty;
        if (bootstrap.StaticResources is { } resources)
        {
            const string path = "static_resources";
            UnsupportedFields.Warn(resources, path, context, "listeners", "clusters");
            listeners = ConvertListeners(resources, FieldPath.Field(path, "listeners"), runtime, context);
            clusters = ConvertClusters(resources, FieldPath.Field(path, "clusters"), controlPlaneClusters, context);
            CheckEdsHasAds(bootstrap, clusters, FieldPath.Field(path, "clusters"), context);
            if (!clustersAreDynamic)
            {
                CheckClusterReferences(listeners, clusters, FieldPath.Field(path, "listeners"), context);
            }
        }

        return context.HasErrors ? null : new ProxyConfig(node, listeners, clusters, admin, runtime);
    }

    private static NodeConfig ConvertNode(Envoy.Config.Core.V3.Node? node, ConversionContext context)
    {
        if (node is null)
        {
            return NodeConfig.Anonymous;
        }

        UnsupportedFields.Warn(node, "node", context, "id", "cluster", "metadata");
        return new NodeConfig(node.Id, node.Cluster, StructFlattener.Flatten(node.Metadata));
    }

    // Static layers merge in order (a later layer overrides an earlier one), as Envoy layers them.
    private static RuntimeConfig ConvertRuntime(LayeredRuntime? layered, ConversionContext context)
    {
        if (layered is null)
        {
            return RuntimeConfig.Empty;
        }

        var values = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < layered.Layers.Count; i++)
        {
            var layer = layered.Layers[i];
            var path = FieldPath.Index("layered_runtime.layers", i);
            if (layer.LayerSpecifierCase == RuntimeLayer.LayerSpecifierOneofCase.StaticLayer)
            {
                StructFlattener.Flatten(layer.StaticLayer, string.Empty, values);
            }
            else
            {
                context.Warning(path, $"runtime layer '{layer.Name}' ({layer.LayerSpecifierCase}) is not supported yet; only static_layer is read");
            }
        }

        return new RuntimeConfig(values.ToImmutable());
    }

    private static AdminConfig? ConvertAdmin(Admin? admin, ConversionContext context)
    {
        if (admin is null)
        {
            return null;
        }

        UnsupportedFields.Warn(admin, "admin", context, "address");
        if (admin.Address is null)
        {
            // Envoy runs no admin listener without an address.
            return null;
        }

        var address = SocketAddressConverter.Convert(admin.Address, "admin.address", context, allowPortZero: true);
        return address is null ? null : new AdminConfig(address);
    }

    private static ImmutableArray<ListenerConfig> ConvertListeners(
        StaticResources resources, string path, RuntimeConfig runtime, ConversionContext context)
    {
        var result = ImmutableArray.CreateBuilder<ListenerConfig>(resources.Listeners.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < resources.Listeners.Count; i++)
        {
            var listener = resources.Listeners[i];
            var itemPath = FieldPath.Index(path, i);
            if (listener.Name.Length > 0 && !seen.TryAdd(listener.Name, i))
            {
                context.Error(
                    FieldPath.Field(itemPath, "name"),
                    $"duplicate listener name '{listener.Name}' (also {FieldPath.Index(path, seen[listener.Name])})");
            }

            if (ListenerConverter.Convert(listener, itemPath, runtime, context) is { } converted)
            {
                result.Add(converted);
            }
        }

        return result.ToImmutable();
    }

    // Clusters that only carry the xDS connection (ads_config's envoy_grpc) are read by DynamicResourcesConverter.
    private static ImmutableArray<ClusterConfig> ConvertClusters(
        StaticResources resources, string path, IReadOnlySet<string> controlPlaneClusters, ConversionContext context)
    {
        var result = ImmutableArray.CreateBuilder<ClusterConfig>(resources.Clusters.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < resources.Clusters.Count; i++)
        {
            var cluster = resources.Clusters[i];
            var itemPath = FieldPath.Index(path, i);
            if (cluster.Name.Length > 0 && !seen.TryAdd(cluster.Name, i))
            {
                context.Error(
                    FieldPath.Field(itemPath, "name"),
                    $"duplicate cluster name '{cluster.Name}' (also {FieldPath.Index(path, seen[cluster.Name])})");
            }

            if (controlPlaneClusters.Contains(cluster.Name))
            {
                continue;
            }

            if (ClusterConverter.Convert(cluster, itemPath, context) is { } converted)
            {
                result.Add(converted);
            }
        }

        return result.ToImmutable();
    }

    // A static EDS cluster gets its endpoints over the ADS stream: without ads_config they would never come.
    // Clusters that failed to convert are absent, so the index is searched by name.
    private static void CheckEdsHasAds(BootstrapProto bootstrap, ImmutableArray<ClusterConfig> clusters, string path, ConversionContext context)
    {
        if (bootstrap.DynamicResources?.AdsConfig is not null)
        {
            return;
        }

        var resources = bootstrap.StaticResources;
        for (var i = 0; i < resources.Clusters.Count; i++)
        {
            if (clusters.Any(c => c.Name == resources.Clusters[i].Name && c.DiscoveryType == ClusterDiscoveryType.Eds))
            {
                context.Error(
                    FieldPath.Field(FieldPath.Field(FieldPath.Index(path, i), "eds_cluster_config"), "eds_config"),
                    "an EDS cluster needs an ADS stream, but dynamic_resources.ads_config is not set");
            }
        }
    }

    // Only meaningful when every listener converted: indices then match the input's.
    private static void CheckClusterReferences(
        ImmutableArray<ListenerConfig> listeners, ImmutableArray<ClusterConfig> clusters, string path, ConversionContext context)
    {
        if (context.HasErrors)
        {
            return;
        }

        var names = clusters.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < listeners.Length; i++)
        {
            for (var j = 0; j < listeners[i].FilterChains.Length; j++)
            {
                var filters = listeners[i].FilterChains[j].Filters;
                for (var k = 0; k < filters.Length; k++)
                {
                    if (filters[k] is TcpProxyConfig proxy && !names.Contains(proxy.Cluster))
                    {
                        var filterPath = $"{FieldPath.Index(path, i)}.filter_chains[{j}].filters[{k}].typed_config.cluster";
                        context.Error(filterPath, $"cluster '{proxy.Cluster}' is not defined in static_resources.clusters");
                    }
                }
            }
        }
    }
}
