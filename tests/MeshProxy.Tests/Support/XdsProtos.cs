using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Client;
using HcmProto = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager;
using RouterProto = Envoy.Extensions.Filters.Http.Router.V3.Router;
using Filter = Envoy.Config.Listener.V3.Filter;
using TcpProxyProto = Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy;

namespace MeshProxy.Tests.Support;

/// <summary>Builders for the xDS resources tests push: listeners, clusters, route tables and endpoint sets.</summary>
internal static class XdsProtos
{
    public static Address Address(string ip, int port) =>
        new() { SocketAddress = new SocketAddress { Address = ip, PortValue = (uint)port } };

    public static Listener TcpListener(string name, int port, string cluster, string ip = "127.0.0.1") => new()
    {
        Name = name,
        Address = Address(ip, port),
        FilterChains =
        {
            new FilterChain
            {
                Filters =
                {
                    new Filter
                    {
                        Name = "envoy.filters.network.tcp_proxy",
                        TypedConfig = Any.Pack(new TcpProxyProto { StatPrefix = name, Cluster = cluster }),
                    },
                },
            },
        },
    };

    public static Listener HttpListener(string name, int port, string routeName, string ip = "127.0.0.1") => new()
    {
        Name = name,
        Address = Address(ip, port),
        FilterChains =
        {
            new FilterChain
            {
                Filters =
                {
                    new Filter
                    {
                        Name = "envoy.filters.network.http_connection_manager",
                        TypedConfig = Any.Pack(new HcmProto
                        {
                            StatPrefix = name,
                            Rds = new Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.Rds
                            {
                                RouteConfigName = routeName,
                                ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
                            },
                            HttpFilters =
                            {
                                new Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpFilter
                                {
                                    Name = "envoy.filters.http.router",
                                    TypedConfig = Any.Pack(new RouterProto()),
                                },
                            },
                        }),
                    },
                },
            },
        },
    };

    public static Cluster StaticCluster(string name, params System.Net.IPEndPoint[] endpoints) => new()
    {
        Name = name,
        Type = Cluster.Types.DiscoveryType.Static,
        ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        LoadAssignment = Assignment(name, endpoints),
    };

    public static Cluster EdsCluster(string name, string? serviceName = null) => new()
    {
        Name = name,
        Type = Cluster.Types.DiscoveryType.Eds,
        ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        EdsClusterConfig = new Cluster.Types.EdsClusterConfig
        {
            ServiceName = serviceName ?? string.Empty,
            EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
        },
    };

    public static ClusterLoadAssignment Assignment(string name, params System.Net.IPEndPoint[] endpoints)
    {
        var group = new LocalityLbEndpoints();
        foreach (var endpoint in endpoints)
        {
            group.LbEndpoints.Add(new LbEndpoint
            {
                Endpoint = new Endpoint { Address = Address(endpoint.Address.ToString(), endpoint.Port) },
            });
        }

        return new ClusterLoadAssignment { ClusterName = name, Endpoints = { group } };
    }

    public static RouteConfiguration Routes(string name, string cluster) => new()
    {
        Name = name,
        VirtualHosts =
        {
            new VirtualHost
            {
                Name = "all",
                Domains = { "*" },
                Routes = { new Route { Match = new RouteMatch { Prefix = "/" }, Route_ = new RouteAction { Cluster = cluster } } },
            },
        },
    };

    /// <summary>As the ADS client hands resources to the store.</summary>
    public static XdsResource Resource(IMessage message, string version = "1") => new(NameOf(message), version, message);

    public static string NameOf(IMessage message) => message switch
    {
        Listener l => l.Name,
        Cluster c => c.Name,
        RouteConfiguration r => r.Name,
        ClusterLoadAssignment a => a.ClusterName,
        _ => throw new ArgumentException("not an xDS resource", nameof(message)),
    };
}
