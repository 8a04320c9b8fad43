using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Tests.Schema;
using MeshProxy.Tests.Xds.Fixtures;
using MeshProxy.Xds.Bootstrap;
using MeshProxy.Xds.State;

namespace MeshProxy.Tests.Bootstrap;

public sealed class ConfigDumpRendererTests
{
    [Fact]
    public void Render_LoadedBootstrap_ProducesEnvoyShapedJson()
    {
        var loaded = BootstrapLoader.LoadText(BootstrapSamples.Yaml, BootstrapFormat.Yaml);

        var json = ConfigDumpRenderer.Render(loaded.Proto, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

        using var document = JsonDocument.Parse(json);
        var configs = document.RootElement.GetProperty("configs");
        Assert.Equal(3, configs.GetArrayLength());

        var bootstrap = configs[0];
        Assert.Equal("type.googleapis.com/envoy.admin.v3.BootstrapConfigDump", bootstrap.GetProperty("@type").GetString());
        Assert.Equal("2026-01-02T03:04:05.000Z", bootstrap.GetProperty("last_updated").GetString());
        var listener = bootstrap.GetProperty("bootstrap").GetProperty("static_resources").GetProperty("listeners")[0];
        var typedConfig = listener.GetProperty("filter_chains")[0].GetProperty("filters")[0].GetProperty("typed_config");
        Assert.Equal(
            "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", typedConfig.GetProperty("@type").GetString());
        Assert.Equal("ingress_tcp", typedConfig.GetProperty("stat_prefix").GetString());

        Assert.Equal("type.googleapis.com/envoy.admin.v3.ClustersConfigDump", configs[1].GetProperty("@type").GetString());
        var cluster = configs[1].GetProperty("static_clusters")[0].GetProperty("cluster");
        Assert.Equal("type.googleapis.com/envoy.config.cluster.v3.Cluster", cluster.GetProperty("@type").GetString());
        Assert.Equal("backend", cluster.GetProperty("name").GetString());
        Assert.Equal("0.250s", cluster.GetProperty("connect_timeout").GetString());

        Assert.Equal("type.googleapis.com/envoy.admin.v3.ListenersConfigDump", configs[2].GetProperty("@type").GetString());
        Assert.Equal("ingress", configs[2].GetProperty("static_listeners")[0].GetProperty("listener").GetProperty("name").GetString());
    }

    [Fact]
    public void Render_EmptyBootstrap_IsValidJson()
    {
        var json = ConfigDumpRenderer.Render(new Envoy.Config.Bootstrap.V3.Bootstrap(), DateTimeOffset.UnixEpoch);

        using var document = JsonDocument.Parse(json);
        Assert.Equal(0, document.RootElement.GetProperty("configs")[2].GetProperty("static_listeners").GetArrayLength());
    }

    [Fact]
    public void Render_EveryMessage_IsWhatJsonFormatterWrites()
    {
        // The dump used to embed JsonFormatter's text; ProtoJsonWriter must give the same JSON for every resource.
        var loaded = BootstrapLoader.LoadText(BootstrapSamples.Yaml, BootstrapFormat.Yaml);
        var fixture = IstioFixture.Load();
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var dynamic = new XdsConfigDump(
        [
            Dump(fixture.Clusters.TypeUrl, fixture.ClusterResources, XdsResourceStatus.Warming),
            Dump(fixture.Endpoints.TypeUrl, fixture.EndpointResources, XdsResourceStatus.Active),
            Dump(fixture.Listeners.TypeUrl, fixture.ListenerResources, XdsResourceStatus.Active),
            Dump(fixture.Routes.TypeUrl, fixture.RouteResources, XdsResourceStatus.Active),
        ]);

        using var document = JsonDocument.Parse(ConfigDumpRenderer.Render(loaded.Proto, at, dynamic));

        var configs = document.RootElement.GetProperty("configs");
        JsonWriterParity.AssertSame(JsonWriterParity.EnvoyFormatter.Format(loaded.Proto), configs[0].GetProperty("bootstrap").GetRawText());
        AssertPacked(loaded.Proto.StaticResources.Clusters, configs[1].GetProperty("static_clusters"), "cluster");
        AssertPacked(fixture.ClusterResources, configs[1].GetProperty("dynamic_warming_clusters"), "cluster");
        AssertPacked(loaded.Proto.StaticResources.Listeners, configs[2].GetProperty("static_listeners"), "listener");
        AssertPacked(
            fixture.ListenerResources,
            configs[2].GetProperty("dynamic_listeners").EnumerateArray().Select(l => l.GetProperty("active_state")),
            "listener");
        AssertPacked(fixture.RouteResources, configs[3].GetProperty("dynamic_route_configs"), "route_config");
        AssertPacked(fixture.EndpointResources, configs[4].GetProperty("dynamic_endpoint_configs"), "endpoint_config");
    }

    private static XdsTypeDump Dump(string typeUrl, IEnumerable<IMessage> resources, XdsResourceStatus status) =>
        new(typeUrl, "7", [.. resources.Select((r, i) => new XdsResourceDump($"r{i}", "7", status, DateTimeOffset.UnixEpoch, r))], null);

    private static void AssertPacked(IEnumerable<IMessage> expected, JsonElement entries, string field) =>
        AssertPacked(expected, entries.EnumerateArray(), field);

    private static void AssertPacked(IEnumerable<IMessage> expected, IEnumerable<JsonElement> entries, string field)
    {
        var written = entries.Select(e => e.GetProperty(field).GetRawText()).ToList();
        var messages = expected.ToList();
        Assert.Equal(messages.Count, written.Count);
        Assert.NotEmpty(messages);
        foreach (var (message, json) in messages.Zip(written))
        {
            JsonWriterParity.AssertSame(JsonWriterParity.EnvoyFormatter.Format(Any.Pack(message)), json);
        }
    }
}
