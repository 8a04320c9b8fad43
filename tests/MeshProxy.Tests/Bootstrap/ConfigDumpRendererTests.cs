using System.Text.Json;
using MeshProxy.Xds.Bootstrap;

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
}
