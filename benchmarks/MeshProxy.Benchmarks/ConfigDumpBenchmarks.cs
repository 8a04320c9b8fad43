using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Envoy.Config.Bootstrap.V3;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Core.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;
using ListenerFilter = Envoy.Config.Listener.V3.Filter;
using TcpProxyProto = Envoy.Extensions.Filters.Network.TcpProxy.V3.TcpProxy;
using TlsContext = Envoy.Extensions.TransportSockets.Tls.V3.UpstreamTlsContext;

namespace MeshProxy.Benchmarks;

/// <summary>
/// <c>/config_dump</c> of a bootstrap with 100 static clusters (TLS, circuit breakers, metadata, three endpoints each)
/// and 10 TCP proxy listeners: <see cref="ConfigDumpRenderer"/> (ProtoJsonWriter over each message's bytes) against
/// the renderer as it was (JsonFormatter with every Envoy type, <c>Any.Pack</c>, <c>WriteRawValue</c>). Both run warm:
/// the descriptors JsonFormatter needs are built in setup. <see cref="Cold"/> measures the first dump of a process.
/// </summary>
[MemoryDiagnoser]
public class ConfigDumpBenchmarks
{
    private const int Clusters = 100;
    private const int Listeners = 10;

    // Lazy: a static initializer would build every descriptor the first time any member of this class is touched,
    // ProtoJsonWriter's cold run included.
    private static readonly Lazy<JsonFormatter> Formatter = new(() => new JsonFormatter(
        JsonFormatter.Settings.Default.WithTypeRegistry(EnvoyTypes.Registry).WithPreserveProtoFieldNames(true)));

    private static readonly DateTimeOffset At = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private Bootstrap _bootstrap = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bootstrap = BuildBootstrap();
        Render();
        RenderWithJsonFormatter(); // builds the descriptors: what follows is the steady state
    }

    [Benchmark(Baseline = true, Description = "config_dump, JsonFormatter + Any.Pack (before)")]
    public string RenderWithJsonFormatter() => LegacyRender(_bootstrap);

    [Benchmark(Description = "config_dump, ProtoJsonWriter")]
    public string Render() => ConfigDumpRenderer.Render(_bootstrap, At);

    [Benchmark(Description = "bootstrap as compact JSON, JsonFormatter.Format")]
    public string FormatWithJsonFormatter() => Formatter.Value.Format(_bootstrap);

    [Benchmark(Description = "bootstrap as compact JSON, ProtoJsonWriter.Format")]
    public string Format() => ProtoJsonWriter.Format(_bootstrap);

    /// <summary>
    /// The first dump in a fresh process: bytes allocated by it, and managed heap still held after a full collection
    /// (descriptors, schema). <c>dotnet run -c Release --project benchmarks/MeshProxy.Benchmarks -- cold-config-dump
    /// jsonformatter|protojsonwriter</c>.
    /// </summary>
    public static void Cold(string renderer)
    {
        var bootstrap = BuildBootstrap();
        Func<string> render = renderer switch
        {
            "jsonformatter" => () => LegacyRender(bootstrap),
            "protojsonwriter" => () => ConfigDumpRenderer.Render(bootstrap, At),
            _ => throw new ArgumentException("jsonformatter or protojsonwriter", nameof(renderer)),
        };

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var length = render().Length; // the text itself is dropped: what stays is what the renderer keeps
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var secondBefore = GC.GetTotalAllocatedBytes(precise: true);
        GC.KeepAlive(render());
        var second = GC.GetTotalAllocatedBytes(precise: true) - secondBefore;
        Console.WriteLine(
            $"{renderer}: first dump {elapsed.TotalMilliseconds:F1} ms, {allocated / 1024.0:F0} KiB allocated, "
            + $"heap +{(heapAfter - heapBefore) / 1024.0:F0} KiB after it; second dump {second / 1024.0:F0} KiB allocated "
            + $"({length / 1024.0:F0} Ki chars of JSON)");
    }

    /// <summary>ConfigDumpRenderer's static part before ProtoJsonWriter: JsonFormatter text embedded raw.</summary>
    private static string LegacyRender(Bootstrap bootstrap)
    {
        var timestamp = At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("configs");
            writer.WriteStartObject();
            writer.WriteString("@type", "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump");
            writer.WritePropertyName("bootstrap");
            writer.WriteRawValue(Formatter.Value.Format(bootstrap));
            writer.WriteString("last_updated", timestamp);
            writer.WriteEndObject();
            writer.WriteStartObject();
            writer.WriteString("@type", "type.googleapis.com/envoy.admin.v3.ClustersConfigDump");
            writer.WriteStartArray("static_clusters");
            foreach (var cluster in bootstrap.StaticResources.Clusters)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("cluster");
                writer.WriteRawValue(Formatter.Value.Format(Any.Pack(cluster)));
                writer.WriteString("last_updated", timestamp);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartObject();
            writer.WriteString("@type", "type.googleapis.com/envoy.admin.v3.ListenersConfigDump");
            writer.WriteStartArray("static_listeners");
            foreach (var listener in bootstrap.StaticResources.Listeners)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("listener");
                writer.WriteRawValue(Formatter.Value.Format(Any.Pack(listener)));
                writer.WriteString("last_updated", timestamp);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // Built without Any.Pack (which reads the descriptor for the type URL), so Cold starts with none built.
    private static Bootstrap BuildBootstrap()
    {
        var resources = new Bootstrap.Types.StaticResources();
        for (var i = 0; i < Clusters; i++)
        {
            resources.Clusters.Add(Cluster(i));
        }

        for (var i = 0; i < Listeners; i++)
        {
            resources.Listeners.Add(Listener(i));
        }

        return new Bootstrap
        {
            Node = new Node { Id = "sidecar~10.0.0.1~reviews-v1.default~default.svc.cluster.local", Cluster = "reviews.default" },
            StaticResources = resources,
            Admin = new Admin { Address = Address("127.0.0.1", 15000) },
        };
    }

    private static Cluster Cluster(int i)
    {
        var name = $"outbound|9080||svc-{i}.default.svc.cluster.local";
        var endpoints = new LocalityLbEndpoints { Locality = new Locality { Region = "eu-west1", Zone = "eu-west1-b" } };
        for (var j = 0; j < 3; j++)
        {
            endpoints.LbEndpoints.Add(new LbEndpoint
            {
                Endpoint = new Endpoint { Address = Address($"10.{i % 250}.{j}.1", 9080) },
                LoadBalancingWeight = 1,
                Metadata = new Metadata { FilterMetadata = { ["istio"] = new Struct { Fields = { ["workload"] = Value.ForString($"svc-{i}-{j}") } } } },
            });
        }

        return new Cluster
        {
            Name = name,
            Type = Envoy.Config.Cluster.V3.Cluster.Types.DiscoveryType.StrictDns,
            ConnectTimeout = new Duration { Seconds = 10 },
            LbPolicy = Envoy.Config.Cluster.V3.Cluster.Types.LbPolicy.LeastRequest,
            LoadAssignment = new ClusterLoadAssignment { ClusterName = name, Endpoints = { endpoints } },
            CircuitBreakers = new CircuitBreakers
            {
                Thresholds =
                {
                    new CircuitBreakers.Types.Thresholds
                    {
                        MaxConnections = 4_294_967_295, MaxPendingRequests = 4_294_967_295, MaxRequests = 4_294_967_295, MaxRetries = 4_294_967_295,
                        TrackRemaining = true,
                    },
                },
            },
            CommonLbConfig = new Envoy.Config.Cluster.V3.Cluster.Types.CommonLbConfig { HealthyPanicThreshold = new Envoy.Type.V3.Percent() },
            Metadata = new Metadata
            {
                FilterMetadata =
                {
                    ["istio"] = new Struct
                    {
                        Fields =
                        {
                            ["services"] = Value.ForList(Value.ForStruct(new Struct
                            {
                                Fields = { ["host"] = Value.ForString($"svc-{i}.default.svc.cluster.local"), ["name"] = Value.ForString($"svc-{i}"), ["namespace"] = Value.ForString("default") },
                            })),
                            ["default_original_port"] = Value.ForNumber(9080),
                        },
                    },
                },
            },
            TransportSocket = new TransportSocket
            {
                Name = "envoy.transport_sockets.tls",
                TypedConfig = Pack("envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext", new TlsContext { Sni = $"outbound_.9080_._.svc-{i}.default.svc.cluster.local" }),
            },
        };
    }

    private static Listener Listener(int i) => new()
    {
        Name = $"tcp-{i}",
        Address = Address("0.0.0.0", (uint)(10000 + i)),
        FilterChains =
        {
            new FilterChain
            {
                Filters =
                {
                    new ListenerFilter
                    {
                        Name = "envoy.filters.network.tcp_proxy",
                        TypedConfig = Pack(
                            "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                            new TcpProxyProto { StatPrefix = $"tcp-{i}", Cluster = $"outbound|9080||svc-{i}.default.svc.cluster.local", IdleTimeout = new Duration { Seconds = 3600 } }),
                    },
                },
            },
        },
    };

    private static Address Address(string ip, uint port) => new() { SocketAddress = new SocketAddress { Address = ip, PortValue = port } };

    private static Any Pack(string typeName, IMessage message) => new() { TypeUrl = "type.googleapis.com/" + typeName, Value = message.ToByteString() };
}
