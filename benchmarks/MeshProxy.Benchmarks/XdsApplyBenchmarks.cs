using BenchmarkDotNet.Attributes;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;
using MeshProxy.Xds.Client;
using MeshProxy.Xds.State;
using Serilog.Core;
using HcmProto = Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpConnectionManager;
using ListenerFilter = Envoy.Config.Listener.V3.Filter;
using RouterProto = Envoy.Extensions.Filters.Http.Router.V3.Router;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Issue 3's push sizes through the xDS store (decode is the client's; this is validate + convert + diff + snapshot):
/// CDS of 1,000 EDS clusters then EDS of 1,000 assignments x 10 endpoints; LDS with one HCM over RDS and an RDS
/// table of 1,000 routes; and the steady-state pushes that matter most in a mesh: the same CDS again (istiod resends
/// everything on each push) and an EDS push where one cluster's endpoints changed. The runtime apply is a no-op here;
/// ClusterApplyBenchmarks measures the runtime side.
/// </summary>
[MemoryDiagnoser]
public class XdsApplyBenchmarks
{
    private const int Clusters = 1000;
    private const int EndpointsPerCluster = 10;
    private const int Routes = 1000;

    private XdsResource[] _clusters = [];
    private XdsResource[] _assignments = [];
    private XdsResource[] _assignmentsOneChanged = [];
    private XdsResource[] _listeners = [];
    private XdsResource[] _routes = [];
    private XdsResourceStore _warm = null!;
    private byte[] _edsResponseBytes = [];
    private XdsDecodeMemo _memo = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clusters = [.. Enumerable.Range(0, Clusters).Select(i => Wrap(EdsCluster(Name(i)), "1"))];
        _assignments = [.. Enumerable.Range(0, Clusters).Select(i => Wrap(Assignment(Name(i), i), "1"))];
        _assignmentsOneChanged = [.. _assignments];
        _assignmentsOneChanged[Clusters / 2] = Wrap(Assignment(Name(Clusters / 2), Clusters + 7), "2");
        _listeners = [Wrap(Listener(), "1")];
        _routes = [Wrap(RouteTable(), "1")];
        var response = new Envoy.Service.Discovery.V3.DiscoveryResponse { TypeUrl = XdsTypeUrls.ClusterLoadAssignment, VersionInfo = "2", Nonce = "2" };
        response.Resources.Add(_assignmentsOneChanged.Select(r => Any.Pack(r.Message)));
        _edsResponseBytes = Google.Protobuf.MessageExtensions.ToByteArray(response);
        _memo = new XdsDecodeMemo();
        XdsResourceDecoder.TryDecodeStateOfTheWorld(SotwResponseReader.Read(_edsResponseBytes, _ => _memo), _memo, out _, out _);
        _warm = NewStore();
        Run(_warm, XdsTypeUrls.Cluster, _clusters, "1");
        Run(_warm, XdsTypeUrls.ClusterLoadAssignment, _assignments, "1");
    }

    [GlobalCleanup]
    public void Cleanup() => _warm.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "CDS 1,000 EDS clusters + EDS 1,000 x 10 endpoints, from empty")]
    public ProxyConfig CdsEdsFromEmpty()
    {
        var store = NewStore();
        Run(store, XdsTypeUrls.Cluster, _clusters, "1");
        Run(store, XdsTypeUrls.ClusterLoadAssignment, _assignments, "1");
        return store.Current;
    }

    [Benchmark(Description = "CDS push of the same 1,000 clusters (new version_info)")]
    public ProxyConfig CdsUnchangedPush()
    {
        Run(_warm, XdsTypeUrls.Cluster, _clusters, "2");
        return _warm.Current;
    }

    [Benchmark(Description = "EDS push of 1,000 assignments, one changed")]
    public ProxyConfig EdsOneChangedPush()
    {
        Run(_warm, XdsTypeUrls.ClusterLoadAssignment, _assignmentsOneChanged, "2");
        Run(_warm, XdsTypeUrls.ClusterLoadAssignment, _assignments, "3");
        return _warm.Current;
    }

    [Benchmark(Description = "EDS push decode (1,000 assignments x 10 endpoints, 420 KB): parse + unpack every resource")]
    public int EdsDecode()
    {
        XdsResourceDecoder.TryDecodeStateOfTheWorld(ParseEds(), out var resources, out _);
        return resources.Count;
    }

    [Benchmark(Description = "EDS push decode as the ADS client does it: SotwResponseReader + XdsDecodeMemo (unchanged resources reused by their bytes)")]
    public int EdsDecodeMemo()
    {
        XdsResourceDecoder.TryDecodeStateOfTheWorld(SotwResponseReader.Read(_edsResponseBytes, _ => _memo), _memo, out var resources, out _);
        return resources.Count;
    }

    [Benchmark(Description = "LDS (HCM over RDS) + RDS of 1,000 routes, from empty")]
    public ProxyConfig LdsRdsFromEmpty()
    {
        var store = NewStore();
        Run(store, XdsTypeUrls.Listener, _listeners, "1");
        Run(store, XdsTypeUrls.RouteConfiguration, _routes, "1");
        return store.Current;
    }

    private Envoy.Service.Discovery.V3.DiscoveryResponse ParseEds() => Envoy.Service.Discovery.V3.DiscoveryResponse.Parser.ParseFrom(_edsResponseBytes);

    private static XdsResourceStore NewStore() => new(
        ProxyConfig.Empty, static (_, _) => Task.FromResult(MeshProxy.Core.Listeners.ListenerApplyResult.Success), new StatsStore(), Logger.None, new XdsStoreOptions());

    private static void Run(XdsResourceStore store, string typeUrl, XdsResource[] resources, string version)
    {
        var nack = store.OnStateOfTheWorldAsync(typeUrl, version, resources, default).AsTask().GetAwaiter().GetResult();
        if (nack is not null)
        {
            throw new InvalidOperationException(nack);
        }
    }

    private static string Name(int i) => $"outbound|8080||svc-{i}.default.svc.cluster.local";

    private static XdsResource Wrap(Google.Protobuf.IMessage message, string version) => message switch
    {
        Cluster c => new XdsResource(c.Name, version, c),
        ClusterLoadAssignment a => new XdsResource(a.ClusterName, version, a),
        Listener l => new XdsResource(l.Name, version, l),
        RouteConfiguration r => new XdsResource(r.Name, version, r),
        _ => throw new ArgumentException("unexpected", nameof(message)),
    };

    private static Cluster EdsCluster(string name) => new()
    {
        Name = name,
        Type = Cluster.Types.DiscoveryType.Eds,
        ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
        EdsClusterConfig = new Cluster.Types.EdsClusterConfig
        {
            EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
        },
    };

    private static ClusterLoadAssignment Assignment(string name, int seed)
    {
        var group = new LocalityLbEndpoints { Locality = new Locality { Region = "eu-west1", Zone = "b" } };
        for (var j = 0; j < EndpointsPerCluster; j++)
        {
            group.LbEndpoints.Add(new LbEndpoint
            {
                HealthStatus = HealthStatus.Healthy,
                LoadBalancingWeight = 1,
                Endpoint = new Endpoint
                {
                    Address = new Address
                    {
                        SocketAddress = new SocketAddress { Address = $"10.{seed % 250}.{j}.{(seed / 250) + 1}", PortValue = 8080 },
                    },
                },
            });
        }

        return new ClusterLoadAssignment { ClusterName = name, Endpoints = { group } };
    }

    private static Listener Listener() => new()
    {
        Name = "0.0.0.0_8080",
        Address = new Address { SocketAddress = new SocketAddress { Address = "0.0.0.0", PortValue = 8080 } },
        BindToPort = false,
        FilterChains =
        {
            new FilterChain
            {
                Filters =
                {
                    new ListenerFilter
                    {
                        Name = "envoy.filters.network.http_connection_manager",
                        TypedConfig = Any.Pack(new HcmProto
                        {
                            StatPrefix = "outbound_0.0.0.0_8080",
                            Rds = new Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.Rds
                            {
                                RouteConfigName = "8080",
                                ConfigSource = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
                            },
                            HttpFilters =
                            {
                                new Envoy.Extensions.Filters.Network.HttpConnectionManager.V3.HttpFilter
                                {
                                    Name = "envoy.filters.http.router", TypedConfig = Any.Pack(new RouterProto()),
                                },
                            },
                        }),
                    },
                },
            },
        },
    };

    // 100 virtual hosts (one per service, Istio-style domains) x 10 routes each.
    private static RouteConfiguration RouteTable()
    {
        var table = new RouteConfiguration { Name = "8080" };
        for (var v = 0; v < Routes / 10; v++)
        {
            var host = new VirtualHost
            {
                Name = $"svc-{v}.default.svc.cluster.local:8080",
                Domains = { $"svc-{v}.default.svc.cluster.local", $"svc-{v}.default.svc.cluster.local:8080", $"svc-{v}", $"10.96.{v / 250}.{v % 250}" },
            };
            for (var r = 0; r < 10; r++)
            {
                host.Routes.Add(new Route
                {
                    Match = new RouteMatch { Prefix = $"/api/v{r}/" },
                    Route_ = new RouteAction { Cluster = Name(v * 10 + r), Timeout = Duration.FromTimeSpan(TimeSpan.Zero) },
                });
            }

            table.VirtualHosts.Add(host);
        }

        return table;
    }
}
