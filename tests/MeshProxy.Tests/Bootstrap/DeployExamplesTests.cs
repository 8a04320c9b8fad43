using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Tests.Bootstrap;

/// <summary>The examples a user copies must load as they are.</summary>
public sealed class DeployExamplesTests
{
    private static string Repository([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [Theory]
    [InlineData("deploy/examples/tcp-proxy.yaml")]
    [InlineData("deploy/examples/ads-istiod.yaml")]
    [InlineData("deploy/examples/files/bootstrap.yaml")]
    public void LoadFile_DeployExample_LoadsWithoutWarnings(string path)
    {
        var loaded = BootstrapLoader.LoadFile(Path.Combine(Repository(), path));

        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void LoadFile_AdsExample_TalksToIstiodPlaintext()
    {
        var loaded = BootstrapLoader.LoadFile(Path.Combine(Repository(), "deploy/examples/ads-istiod.yaml"));

        Assert.Equal(new AdsServerConfig("127.0.0.1:15010", Delta: false, null, null, null), loaded.Dynamic.Ads);
        Assert.Empty(loaded.Config.Clusters);
    }
}
