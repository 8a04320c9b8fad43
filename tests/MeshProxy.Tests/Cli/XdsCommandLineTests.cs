using Google.Protobuf.WellKnownTypes;
using MeshProxy.Cli;
using MeshProxy.Xds.Bootstrap;

namespace MeshProxy.Tests.Cli;

public sealed class XdsCommandLineTests
{
    private const string IstioNode = "sidecar~10.1.2.3~reviews-v1-7d8.default~default.svc.cluster.local";

    [Fact]
    public void TryParse_XdsFlags_AreRead()
    {
        string[] args =
        [
            "--xds", "istiod.istio-system:15010", "--node-id", IstioNode, "--cluster", "reviews.default",
            "--meta", "CLUSTER_ID=east", "--meta", "LABELS={\"app\":\"reviews\"}", "--xds-delta", "--drain-time-s", "45", "--xds-max-message-bytes", "1048576",
        ];

        Assert.True(CommandLine.TryParse(args, out var options, out var error), error);

        Assert.Equal(CommandKind.Run, options.Command);
        Assert.Null(options.ConfigPath);
        Assert.Equal(
            new XdsCommandLine(
                "istiod.istio-system:15010", IstioNode, "reviews.default",
                [new("CLUSTER_ID", "east"), new("LABELS", "{\"app\":\"reviews\"}")], Delta: true, null, "127.0.0.1:15000"),
            options.Xds);
        Assert.Equal(TimeSpan.FromSeconds(45), options.DrainTime);
        Assert.Equal(1048576, options.XdsMaxMessageBytes);
    }

    [Theory]
    [InlineData(new[] { "--xds", "127.0.0.1:15010" }, "--xds needs --node-id (for istiod: sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local)")]
    [InlineData(new[] { "--node-id", "n" }, "--node-id, --cluster, --meta, --xds-delta, --xds-ca and --admin-address go with --xds")]
    [InlineData(new[] { "--xds", "a:1", "--node-id", "n", "-c", "b.yaml" }, "--xds replaces the bootstrap file; do not combine it with -c or demo")]
    [InlineData(new[] { "--xds", "a:1", "--node-id", "n", "--meta", "novalue" }, "invalid --meta 'novalue'; expected KEY=VALUE")]
    [InlineData(new string[0], "a bootstrap is required: -c FILE, or --xds TARGET --node-id ID (or run 'meshproxy demo')")]
    public void TryParse_BadXdsFlags_SaysWhy(string[] args, string expected)
    {
        Assert.False(CommandLine.TryParse(args, out _, out var error));

        Assert.Equal(expected, error);
    }

    [Fact]
    public void Build_IstioNodeId_GivesTheMetadataIstiodReads()
    {
        var xds = new XdsCommandLine("127.0.0.1:15010", IstioNode, null, [new("CLUSTER_ID", "east"), new("LABELS", "{\"app\":\"reviews\"}")], false, null, "127.0.0.1:15000");

        var loaded = BootstrapLoader.Load(XdsBootstrapBuilder.Build(xds));

        var node = loaded.Proto.Node;
        Assert.Equal(IstioNode, node.Id);
        Assert.Equal("reviews-v1-7d8.default", node.Cluster);
        var meta = node.Metadata.Fields;
        Assert.Equal("east", meta["CLUSTER_ID"].StringValue);
        Assert.Equal("default", meta["NAMESPACE"].StringValue);
        Assert.Equal("10.1.2.3", meta["INSTANCE_IPS"].StringValue);
        Assert.Equal("REDIRECT", meta["INTERCEPTION_MODE"].StringValue);
        Assert.Equal(XdsBootstrapBuilder.DefaultIstioVersion, meta["ISTIO_VERSION"].StringValue);
        Assert.Equal("reviews", meta["LABELS"].StructValue.Fields["app"].StringValue);
        Assert.False(meta.ContainsKey("GENERATOR")); // GENERATOR=grpc would make istiod send proxyless-gRPC config.
        Assert.Equal(new AdsServerConfig("127.0.0.1:15010", Delta: false, null, null, null), loaded.Dynamic.Ads);
        Assert.IsType<AdsConfigSource>(loaded.Dynamic.Lds);
        Assert.IsType<AdsConfigSource>(loaded.Dynamic.Cds);
        Assert.Equal("127.0.0.1:15000", loaded.Config.Admin!.Address.ToString());
    }

    [Fact]
    public void Build_NonIstioNodeWithCa_IsTlsAndKeepsTheIdAsCluster()
    {
        var xds = new XdsCommandLine("cp.example:18000", "edge-1", null, [new("region", "eu")], true, "/etc/ca.pem", "[::1]:9901");

        var loaded = BootstrapLoader.Load(XdsBootstrapBuilder.Build(xds));

        Assert.Equal("edge-1", loaded.Proto.Node.Cluster);
        Assert.Equal(new Struct { Fields = { ["region"] = Value.ForString("eu") } }, loaded.Proto.Node.Metadata);
        Assert.Equal(new AdsServerConfig("https://cp.example:18000", Delta: true, "/etc/ca.pem", null, null), loaded.Dynamic.Ads);
        Assert.Equal("[::1]:9901", loaded.Config.Admin!.Address.ToString());
    }

    [Fact]
    public void Build_MetaValues_TakeJsonWhereItParsesAndTextElsewhere()
    {
        var xds = new XdsCommandLine(
            "cp.example:18000", "edge-1", null, [new("n", "1.5"), new("b", "true"), new("list", "[1, \"a\"]"), new("broken", "{oops"), new("word", "east")], false, null, "127.0.0.1:9901");

        var meta = XdsBootstrapBuilder.Build(xds).Node.Metadata.Fields;

        Assert.Equal(1.5, meta["n"].NumberValue);
        Assert.True(meta["b"].BoolValue);
        Assert.Equal(new ListValue { Values = { Value.ForNumber(1), Value.ForString("a") } }, meta["list"].ListValue);
        Assert.Equal("{oops", meta["broken"].StringValue);
        Assert.Equal("east", meta["word"].StringValue);
    }
}
