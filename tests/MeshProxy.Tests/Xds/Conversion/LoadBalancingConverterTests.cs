using Envoy.Config.Cluster.V3;
using MeshProxy.Core.Config;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Conversion;

public sealed class LoadBalancingConverterTests
{
    private const string Endpoints = """
        "load_assignment": {"cluster_name": "c", "policy": {"overprovisioning_factor": 200},
          "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "10.0.0.1", "port_value": 80}}}}]}]}
        """;

    [Fact]
    public void Convert_NoLbSettings_EnvoyDefaults()
    {
        var context = new ConversionContext();

        var cluster = Convert("""{"name": "c", "lb_policy": "MAGLEV"}""", context)!;

        Assert.Empty(context.Warnings);
        Assert.Equal(LbPolicy.Maglev, cluster.LbPolicy);
        Assert.Equal(50u, cluster.HealthyPanicThreshold);
        Assert.False(cluster.LocalityWeightedLb);
        Assert.Equal(140u, cluster.OverprovisioningFactor);
        Assert.Equal(65537ul, cluster.MaglevTableSize);
        Assert.Equal((1024ul, 8ul << 20), (cluster.RingHashMinimumRingSize, cluster.RingHashMaximumRingSize));
        Assert.Equal((2u, 1.0), (cluster.LeastRequestChoiceCount, cluster.LeastRequestActiveRequestBias));
    }

    [Fact]
    public void Convert_CommonLbConfig_PanicThresholdRoundedAndLocalityWeighting()
    {
        var context = new ConversionContext();

        var cluster = Convert(
            $$$"""{"name": "c", "common_lb_config": {"healthy_panic_threshold": {"value": 25.5}, "locality_weighted_lb_config": {}}, {{{Endpoints}}}}""",
            context)!;

        Assert.Empty(context.Warnings);
        Assert.Equal(26u, cluster.HealthyPanicThreshold);
        Assert.True(cluster.LocalityWeightedLb);
        Assert.Equal(200u, cluster.OverprovisioningFactor);
    }

    [Fact]
    public void Convert_RingHashLbConfig_SizesKept()
    {
        var context = new ConversionContext();

        var cluster = Convert("""{"name": "c", "lb_policy": "RING_HASH", "ring_hash_lb_config": {"minimum_ring_size": 64, "maximum_ring_size": 4096}}""", context)!;

        Assert.Empty(context.Warnings);
        Assert.Equal((64ul, 4096ul), (cluster.RingHashMinimumRingSize, cluster.RingHashMaximumRingSize));
    }

    [Fact]
    public void Convert_RingHashMinimumAboveMaximum_IsAnError()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "c", "lb_policy": "RING_HASH", "ring_hash_lb_config": {"minimum_ring_size": 4096, "maximum_ring_size": 64}}""", context));

        Assert.Equal(["clusters[0].ring_hash_lb_config: minimum_ring_size (4096) is greater than maximum_ring_size (64)"], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_RingHashMurmur_WarnsXxHashIsUsed()
    {
        var context = new ConversionContext();

        Assert.NotNull(Convert("""{"name": "c", "lb_policy": "RING_HASH", "ring_hash_lb_config": {"hash_function": "MURMUR_HASH_2"}}""", context));

        Assert.Equal(
            ["clusters[0].ring_hash_lb_config.hash_function: MURMUR_HASH_2 is not implemented; hosts are placed with XX_HASH, so keys map to other hosts than in Envoy"],
            ProtoJson.Lines(context.Warnings));
    }

    [Fact]
    public void Convert_LeastRequestLbConfig_ChoiceCountAndBias()
    {
        var context = new ConversionContext();

        var cluster = Convert(
            """{"name": "c", "lb_policy": "LEAST_REQUEST", "least_request_lb_config": {"choice_count": 3, "active_request_bias": {"default_value": 0.5, "runtime_key": "k"}}}""",
            context)!;

        Assert.Empty(context.Warnings);
        Assert.Equal((3u, 0.5), (cluster.LeastRequestChoiceCount, cluster.LeastRequestActiveRequestBias));
    }

    [Fact]
    public void Convert_LeastRequestOneChoice_IsAnError()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "c", "lb_policy": "LEAST_REQUEST", "least_request_lb_config": {"choice_count": 1}}""", context));

        Assert.Equal(["clusters[0].least_request_lb_config.choice_count: must be at least 2"], ProtoJson.Lines(context.Errors));
    }

    [Theory]
    [InlineData(65536ul)]
    [InlineData(5000012ul)]
    public void Convert_MaglevTableSizeNotPrimeOrTooLarge_IsAnError(ulong size)
    {
        var context = new ConversionContext();

        Assert.Null(Convert($$$"""{"name": "c", "lb_policy": "MAGLEV", "maglev_lb_config": {"table_size": {{{size}}}}}""", context));

        Assert.Equal([$"clusters[0].maglev_lb_config.table_size: {size} must be a prime number no greater than 5000011"], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_MaglevPrimeTableSize_Kept()
    {
        var context = new ConversionContext();

        Assert.Equal(251ul, Convert("""{"name": "c", "lb_policy": "MAGLEV", "maglev_lb_config": {"table_size": 251}}""", context)!.MaglevTableSize);
    }

    [Fact]
    public void Convert_ConfigOfAnotherPolicy_Warned()
    {
        var context = new ConversionContext();

        Assert.NotNull(Convert("""{"name": "c", "lb_policy": "ROUND_ROBIN", "maglev_lb_config": {"table_size": 251}}""", context));

        Assert.Equal(["clusters[0].maglev_lb_config: ignored: lb_policy is not MAGLEV"], ProtoJson.Lines(context.Warnings));
    }

    [Fact]
    public void Convert_ZoneAwareLbConfig_WarnedAsUnsupported()
    {
        var context = new ConversionContext();

        Assert.NotNull(Convert("""{"name": "c", "common_lb_config": {"zone_aware_lb_config": {}}}""", context));

        Assert.Equal(["clusters[0].common_lb_config.zone_aware_lb_config: not supported yet; ignored"], ProtoJson.Lines(context.Warnings));
    }

    private static ClusterConfig? Convert(string json, ConversionContext context) =>
        ClusterConverter.Convert(ProtoJson.Parse<Cluster>(json), "clusters[0]", context);
}
