using System.Collections;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Route.V3;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Benchmarks;

/// <summary>
/// The unsupported-field check as the converters call it on XdsApplyBenchmarks' resources: once per cluster of a CDS
/// push of 1,000 EDS clusters (and its eds_cluster_config), and once per RouteConfiguration, VirtualHost, Route,
/// RouteMatch and RouteAction (twice: Reject, then Warn) of a 1,000-route table; once per ClusterLoadAssignment,
/// LocalityLbEndpoints, LbEndpoint and Endpoint of an EDS push of 1,000 x 10 endpoints; each with the field names its
/// converter handles (copied from the converters). <see cref="UnsupportedFields"/> serializes each message and reads the
/// field numbers back; the baseline is the descriptor walk it replaced, kept here only to measure against (it builds
/// Google.Protobuf's descriptors, which production code must not).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class UnsupportedFieldsBenchmarks
{
    private const int Clusters = 1000;
    private const int Routes = 1000;
    private const int EndpointsPerCluster = 10;

    private static readonly string[] ClusterHandled =
    [
        "name", "type", "cluster_type", "connect_timeout", "lb_policy", "load_assignment", "transport_socket", "transport_socket_matches",
        "per_connection_buffer_limit_bytes", "eds_cluster_config", "dns_refresh_rate", "dns_lookup_family", "cleanup_interval",
        "circuit_breakers", "typed_extension_protocol_options", "http2_protocol_options", "http_protocol_options", "protocol_selection",
        "filters", "common_lb_config", "ring_hash_lb_config", "least_request_lb_config", "maglev_lb_config",
    ];

    private static readonly string[] EdsConfigHandled = ["eds_config", "service_name"];

    private static readonly string[] RouteConfigurationHandled =
    [
        "name", "virtual_hosts", "vhds", "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add",
        "response_headers_to_remove", "typed_per_filter_config", "ignore_port_in_host_matching", "most_specific_header_mutations_wins",
    ];

    private static readonly string[] VirtualHostHandled =
    [
        "name", "domains", "routes", "matcher", "require_tls", "request_headers_to_add", "request_headers_to_remove",
        "response_headers_to_add", "response_headers_to_remove", "typed_per_filter_config", "retry_policy",
    ];

    private static readonly string[] RouteHandled =
    [
        "name", "match", "route", "redirect", "direct_response", "filter_action", "non_forwarding_action", "request_headers_to_add",
        "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove", "typed_per_filter_config",
    ];

    private static readonly string[] RouteMatchHandled =
        ["prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive", "headers", "query_parameters", "grpc", "connect_matcher"];

    private static readonly string[] RouteActionHandled =
    [
        "cluster", "cluster_header", "weighted_clusters", "prefix_rewrite", "regex_rewrite", "host_rewrite_literal",
        "auto_host_rewrite", "timeout", "idle_timeout", "retry_policy", "hash_policy",
    ];

    private static readonly string[] EndpointHandled = ["address"];

    private static readonly string[] LbEndpointHandled = ["endpoint", "endpoint_name", "health_status", "load_balancing_weight", "metadata"];

    private static readonly string[] LocalityLbEndpointsHandled = ["locality", "lb_endpoints", "priority", "load_balancing_weight"];

    private static readonly string[] AssignmentHandled = ["cluster_name", "endpoints", "policy"];

    private Cluster[] _clusters = [];
    private RouteConfiguration _routes = null!;
    private ClusterLoadAssignment[] _assignments = [];

    [GlobalSetup]
    public void Setup()
    {
        _clusters = [.. Enumerable.Range(0, Clusters).Select(i => new Cluster
        {
            Name = $"outbound|8080||svc-{i}.default.svc.cluster.local",
            Type = Cluster.Types.DiscoveryType.Eds,
            ConnectTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
            EdsClusterConfig = new Cluster.Types.EdsClusterConfig
            {
                EdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
            },
        })];
        _routes = new RouteConfiguration { Name = "8080" };
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
                    Route_ = new RouteAction { Cluster = $"outbound|8080||svc-{(v * 10) + r}.default.svc.cluster.local", Timeout = new Duration() },
                });
            }

            _routes.VirtualHosts.Add(host);
        }

        _assignments = [.. Enumerable.Range(0, Clusters).Select(i =>
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
                        Address = new Address { SocketAddress = new SocketAddress { Address = $"10.{i % 250}.{j}.{(i / 250) + 1}", PortValue = 8080 } },
                    },
                });
            }

            return new ClusterLoadAssignment { ClusterName = $"outbound|8080||svc-{i}.default.svc.cluster.local", Endpoints = { group } };
        })];

        // Both sides warm: the descriptors built, the schema's types indexed.
        DescriptorWalkClustersAndRoutes();
        WireWalkClustersAndRoutes();
        DescriptorWalkEndpoints();
        WireWalkEndpoints();
    }

    [BenchmarkCategory("CDS + RDS")]
    [Benchmark(Baseline = true, Description = "descriptor walk (before): 1,000 clusters + 1,000-route table")]
    public int DescriptorWalkClustersAndRoutes() => ClustersAndRoutes(DescriptorCheck);

    [BenchmarkCategory("CDS + RDS")]
    [Benchmark(Description = "wire walk (UnsupportedFields): 1,000 clusters + 1,000-route table")]
    public int WireWalkClustersAndRoutes() => ClustersAndRoutes(WireCheck);

    [BenchmarkCategory("EDS")]
    [Benchmark(Baseline = true, Description = "descriptor walk (before): 1,000 assignments x 10 endpoints")]
    public int DescriptorWalkEndpoints() => Endpoints(DescriptorCheck);

    [BenchmarkCategory("EDS")]
    [Benchmark(Description = "wire walk (UnsupportedFields): 1,000 assignments x 10 endpoints")]
    public int WireWalkEndpoints() => Endpoints(WireCheck);

    private static void WireCheck(IMessage message, ConversionContext context, string[] handled) =>
        UnsupportedFields.Warn(message, "", context, handled);

    // UnsupportedFields.Warn before it read the wire.
    private static void DescriptorCheck(IMessage message, ConversionContext context, string[] handled)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (handled.AsSpan().Contains(field.Name) || !IsSet(message, field))
            {
                continue;
            }

            context.Warning(field.Name, "not supported yet; ignored");
        }
    }

    private int Endpoints(Action<IMessage, ConversionContext, string[]> check)
    {
        var context = new ConversionContext();
        foreach (var assignment in _assignments)
        {
            foreach (var group in assignment.Endpoints)
            {
                foreach (var host in group.LbEndpoints)
                {
                    check(host.Endpoint, context, EndpointHandled);
                    check(host, context, LbEndpointHandled);
                }

                check(group, context, LocalityLbEndpointsHandled);
            }

            check(assignment, context, AssignmentHandled);
        }

        return context.Warnings.Count;
    }

    private int ClustersAndRoutes(Action<IMessage, ConversionContext, string[]> check)
    {
        var context = new ConversionContext();
        foreach (var cluster in _clusters)
        {
            check(cluster, context, ClusterHandled);
            check(cluster.EdsClusterConfig, context, EdsConfigHandled);
        }

        check(_routes, context, RouteConfigurationHandled);
        foreach (var host in _routes.VirtualHosts)
        {
            check(host, context, VirtualHostHandled);
            foreach (var route in host.Routes)
            {
                check(route, context, RouteHandled);
                check(route.Match, context, RouteMatchHandled);

                // RouteActionConverter checks it twice: Reject (host-changing fields), then Warn (the rest).
                check(route.Route_, context, RouteActionHandled);
                check(route.Route_, context, RouteActionHandled);
            }
        }

        return context.Warnings.Count;
    }

    private static bool IsSet(IMessage message, FieldDescriptor field)
    {
        if (field.IsMap || field.IsRepeated)
        {
            return field.Accessor.GetValue(message) is ICollection { Count: > 0 };
        }

        if (field.HasPresence)
        {
            return field.Accessor.HasValue(message);
        }

        return field.Accessor.GetValue(message) switch
        {
            null => false,
            string text => text.Length > 0,
            ByteString bytes => !bytes.IsEmpty,
            bool flag => flag,
            float number => number != 0,
            double number => number != 0,
            IConvertible number => number.ToInt64(null) != 0,
            _ => true,
        };
    }
}
