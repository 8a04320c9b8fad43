using System.Reflection;
using System.Runtime.Loader;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MeshProxy.Tests.Bootstrap;
using MeshProxy.Tests.Protos;
using MeshProxy.Tests.Xds.Fixtures;
using MeshProxy.Xds.Bootstrap;
using Xunit.Abstractions;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Tests.Xds.Conversion;

/// <summary>
/// Converting builds no Google.Protobuf descriptor (a file's descriptor builds its whole import closure, megabytes kept
/// for the life of the process). Descriptors are cached in static fields that other tests fill, and reading such a
/// field runs the static constructor that builds it; so the conversion runs in a load context of its own, with fresh
/// copies of every assembly, and each descriptor's first access there is weighed (see <see cref="ConversionWithoutDescriptors"/>).
/// </summary>
public sealed class ConversionWithoutDescriptorsTests(ITestOutputHelper output)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithTypeRegistry(EnvoyTypeRegistry.Instance));

    [Fact]
    public void Convert_BootstrapsAndIstioResources_BuildsNoDescriptor()
    {
        List<byte[]> bootstraps = [.. new[] { BootstrapSamples.Yaml, BootstrapSamples.Minimal, UnsupportedAndInvalid, AdsOverRawBuffer }
            .Select(yaml => Parser.Parse<BootstrapProto>(YamlJsonConverter.Convert(yaml)).ToByteArray())];
        List<byte[]> responses = [.. IstioFixture.Load().InPushOrder.Select(r => r.ToByteArray())];
        var files = ReflectionClassesInImportOrder();
        var context = new FreshContext();
        try
        {
            var run = context.LoadFromAssemblyPath(typeof(ConversionWithoutDescriptors).Assembly.Location)
                .GetType(typeof(ConversionWithoutDescriptors).FullName!, throwOnError: true)!
                .GetMethod(nameof(ConversionWithoutDescriptors.Run), BindingFlags.Public | BindingFlags.Static)!;
            var (diagnostics, first, second) = ((List<string>, List<long>, List<long>))run.Invoke(null, [bootstraps, responses, files.Select(f => f.Class).ToList()])!;

            // Each way the converters reach the schema ran.
            Assert.Contains(diagnostics, d => d.EndsWith("not supported yet; ignored", StringComparison.Ordinal));
            Assert.Contains(diagnostics, d => d.Contains("Full type name for HttpProtocolOptions is", StringComparison.Ordinal));
            Assert.Contains(diagnostics, d => d.Contains("api_type REST is not supported", StringComparison.Ordinal));
            Assert.Contains(diagnostics, d => d.Contains("RawBuffer is not supported for the xDS server", StringComparison.Ordinal));
            Assert.Contains(diagnostics, d => d.Contains("not ROUND_ROBIN", StringComparison.Ordinal));
            Assert.Contains(diagnostics, d => d.Contains("config source path_config_source is not supported", StringComparison.Ordinal));
            output.WriteLine($"{files.Count} files, {first.Sum()} bytes; smallest {first.Min()} bytes ({files[first.IndexOf(first.Min())].File})");
            Assert.All(second, bytes => Assert.Equal(0, bytes));
            Assert.Empty(files.Where((_, i) => first[i] < 1024).Select(f => $"{f.File} was built during the conversion"));
        }
        finally
        {
            context.Unload();
        }
    }

    // The paths the Istio resources do not take through the schema: a typed config of the wrong type, enum and oneof
    // field names in errors.
    private const string UnsupportedAndInvalid = """
        dynamic_resources:
          cds_config: {ads: {}}
          ads_config: {api_type: REST, grpc_services: [{envoy_grpc: {cluster_name: x}}]}
        static_resources:
          clusters:
          - name: o
            type: ORIGINAL_DST
          - name: e
            type: EDS
            eds_cluster_config: {eds_config: {path_config_source: {path: /e}}}
          - name: p
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions: {"@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer}
        """;

    private const string AdsOverRawBuffer = """
        dynamic_resources:
          cds_config: {ads: {}}
          ads_config: {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: x}}]}
        static_resources:
          clusters:
          - name: x
            load_assignment: {cluster_name: x, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}}]}]}
            transport_socket: {name: raw, typed_config: {"@type": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer}}
        """;

    /// <summary>
    /// Every file the generated Envoy types import, each after its imports, as <c>assembly|reflection class</c> of the
    /// class whose <c>Descriptor</c> builds it (the well-known types are in Google.Protobuf, google.rpc in Google.Api.CommonProtos).
    /// </summary>
    private static List<(string File, string Class)> ReflectionClassesInImportOrder()
    {
        var classes = new[] { typeof(BootstrapProto).Assembly, typeof(IMessage).Assembly, typeof(Google.Rpc.Status).Assembly }
            .SelectMany(assembly => assembly.GetExportedTypes())
            .Where(type => type.IsAbstract && type.IsSealed && type.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(type => (Type: type, Descriptor: type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null)))
            .Where(c => c.Descriptor is FileDescriptor)
            .ToDictionary(c => ((FileDescriptor)c.Descriptor!).Name, c => $"{c.Type.Assembly.GetName().Name}|{c.Type.FullName}");
        var ordered = new List<(string, string)>();
        var seen = new HashSet<string>();
        foreach (var file in EnvoyTypeRegistry.GeneratedFiles())
        {
            Visit(file);
        }

        Assert.True(ordered.Count > 100, $"only {ordered.Count} files");
        return ordered;

        void Visit(FileDescriptor file)
        {
            if (!seen.Add(file.Name))
            {
                return;
            }

            foreach (var dependency in file.Dependencies)
            {
                Visit(dependency);
            }

            ordered.Add((file.Name, classes[file.Name]));
        }
    }

    /// <summary>Loads every assembly of the test's output folder anew; the framework's come from the default context.</summary>
    private sealed class FreshContext() : AssemblyLoadContext("conversion-without-descriptors", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var path = Path.Combine(AppContext.BaseDirectory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
