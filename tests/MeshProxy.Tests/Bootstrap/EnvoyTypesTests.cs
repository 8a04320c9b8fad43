using Envoy.Config.Bootstrap.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using MeshProxy.Tests.Protos;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Bootstrap;

public sealed class EnvoyTypesTests
{
    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    // The production registry lists root files by hand (no reflection, NativeAOT friendly); this keeps it
    // in step with what the protos project generates, found here by reflection.
    [Fact]
    public void Registry_EveryGeneratedMessage_IsKnown()
    {
        var missing = EnvoyTypeRegistry.GeneratedFiles()
            .SelectMany(file => file.MessageTypes)
            .Select(message => message.FullName)
            .Where(name => EnvoyTypes.Registry.Find(name) is null)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void Roots_EachPackage_IsItsFilesPackage()
    {
        Assert.All(EnvoyTypes.Roots, root => Assert.Equal(root.Package, root.File().Package));
    }

    [Fact]
    public void NarrowRegistry_TcpProxyBootstrap_HasTcpProxyButNotTheOtherExtensions()
    {
        var json = YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(Repository(), "deploy/examples/tcp-proxy.yaml")));

        var registry = EnvoyTypes.NarrowRegistryFor(json, BootstrapReflection.Descriptor);

        Assert.NotNull(registry);
        Assert.NotNull(registry.Find("envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"));
        Assert.Null(registry.Find("envoy.extensions.filters.http.wasm.v3.Wasm"));
        Assert.Null(registry.Find("envoy.extensions.filters.network.rbac.v3.RBAC"));
    }

    [Theory]
    [InlineData("""{ "typed_config": { "@type": "type.googleapis.com/envoy.config.rbac.v3.RBAC" } }""")] // in a root's closure only
    [InlineData("""{ "typed_config": { "@type": "type.googleapis.com/no.such.v3.Type" } }""")]
    [InlineData("""{ "typed_config": { "\u0040type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }""")]
    [InlineData("""{ "typed_config": { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Rout\u0065r" } }""")]
    [InlineData("""{ "name": "x", "description": "see \"@type\": here", "@type": 3 }""")]
    public void NarrowRegistry_TypeItCannotPlace_FallsBackToTheWholeRegistry(string json)
    {
        Assert.Null(EnvoyTypes.NarrowRegistryFor(json, BootstrapReflection.Descriptor));
    }

    private static readonly string[] DeployBootstraps =
        ["deploy/examples/tcp-proxy.yaml", "deploy/examples/ads-istiod.yaml", "deploy/examples/files/bootstrap.yaml"];

    public static TheoryData<string> Bootstraps() =>
    [
        .. DeployBootstraps.Select(path => YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(Repository(), path)))),
        YamlJsonConverter.Convert(BootstrapSamples.Yaml),
        BootstrapSamples.Json,
    ];

    [Theory]
    [MemberData(nameof(Bootstraps))]
    public void NarrowRegistry_Bootstrap_ParsesAsTheWholeRegistryDoes(string json)
    {
        var narrow = EnvoyTypes.NarrowRegistryFor(json, BootstrapReflection.Descriptor);

        Assert.NotNull(narrow);
        Assert.Equal(Parse<Envoy.Config.Bootstrap.V3.Bootstrap>(json, EnvoyTypes.Registry), Parse<Envoy.Config.Bootstrap.V3.Bootstrap>(json, narrow));
    }

    [Theory]
    [InlineData("cds.json")]
    [InlineData("eds.json")]
    [InlineData("lds.json")]
    [InlineData("rds.json")]
    public void NarrowRegistry_IstioDiscoveryResponse_ParsesAsTheWholeRegistryDoes(string file) => AssertParsesAsWhole(ReadFixture(file));

    [Theory]
    [InlineData("deploy/examples/files/lds.yaml")]
    [InlineData("deploy/examples/files/cds.yaml")]
    public void NarrowRegistry_FileSourceResponse_ParsesAsTheWholeRegistryDoes(string path) =>
        AssertParsesAsWhole(YamlJsonConverter.Convert(File.ReadAllText(Path.Combine(Repository(), path))));

    private static void AssertParsesAsWhole(string json)
    {
        var narrow = EnvoyTypes.NarrowRegistryFor(json, DiscoveryReflection.Descriptor);

        Assert.NotNull(narrow);
        Assert.Equal(Parse<DiscoveryResponse>(json, EnvoyTypes.Registry), Parse<DiscoveryResponse>(json, narrow));
    }

    private static T Parse<T>(string json, Google.Protobuf.Reflection.TypeRegistry registry)
        where T : IMessage<T>, new() =>
        new JsonParser(JsonParser.Settings.Default.WithTypeRegistry(registry)).Parse<T>(json);

    private static string ReadFixture(string file)
    {
        var name = "Fixtures/IstioSidecar/" + file;
        using var stream = typeof(EnvoyTypesTests).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded fixture '{name}' not found");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
