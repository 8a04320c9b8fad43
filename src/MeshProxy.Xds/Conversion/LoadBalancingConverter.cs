using Envoy.Config.Cluster.V3;
using MeshProxy.Core.Config;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// A cluster's load-balancing settings: <c>common_lb_config</c> (panic threshold, locality-weighted balancing) and the
/// policy's own <c>ring_hash_lb_config</c>, <c>least_request_lb_config</c> or <c>maglev_lb_config</c>, with Envoy's
/// validation. Part of <see cref="ClusterConverter"/>.
/// </summary>
internal static class LoadBalancingConverter
{
    // Envoy's proto validation bounds.
    private const ulong MaxRingSize = 8 * 1024 * 1024;
    private const ulong MaxMaglevTableSize = 5000011;

    public static ClusterConfig Convert(Cluster cluster, ClusterConfig result, string path, ConversionContext context, ref bool ok)
    {
        if (cluster.CommonLbConfig is { } common)
        {
            var commonPath = FieldPath.Field(path, "common_lb_config");
            UnsupportedFields.Warn(common, commonPath, context, "healthy_panic_threshold", "locality_weighted_lb_config");
            if (common.HealthyPanicThreshold is { } threshold)
            {
                if (threshold.Value is < 0 or > 100 || double.IsNaN(threshold.Value))
                {
                    context.Error(FieldPath.Field(commonPath, "healthy_panic_threshold"), $"{threshold.Value} is not a percentage (0 to 100)");
                    ok = false;
                }
                else
                {
                    // Envoy rounds the percentage to a whole number.
                    result = result with { HealthyPanicThreshold = (uint)Math.Round(threshold.Value, MidpointRounding.AwayFromZero) };
                }
            }

            result = result with { LocalityWeightedLb = common.LocalityWeightedLbConfig is not null };
        }

        switch (cluster.LbConfigCase)
        {
            case Cluster.LbConfigOneofCase.RingHashLbConfig:
                return RingHash(cluster.RingHashLbConfig, result, FieldPath.Field(path, "ring_hash_lb_config"), context, ref ok);
            case Cluster.LbConfigOneofCase.LeastRequestLbConfig:
                return LeastRequest(cluster.LeastRequestLbConfig, result, FieldPath.Field(path, "least_request_lb_config"), context, ref ok);
            case Cluster.LbConfigOneofCase.MaglevLbConfig:
                return Maglev(cluster.MaglevLbConfig, result, FieldPath.Field(path, "maglev_lb_config"), context, ref ok);
            default:
                // round_robin_lb_config (slow start only) and original_dst_lb_config are reported as unsupported fields.
                return result;
        }
    }

    private static ClusterConfig RingHash(Cluster.Types.RingHashLbConfig config, ClusterConfig result, string path, ConversionContext context, ref bool ok)
    {
        WarnIfOtherPolicy(result, LbPolicy.RingHash, "RING_HASH", path, context);
        UnsupportedFields.Warn(config, path, context, "minimum_ring_size", "maximum_ring_size", "hash_function");
        var minimum = config.MinimumRingSize ?? ClusterConfig.DefaultRingHashMinimumRingSize;
        var maximum = config.MaximumRingSize ?? ClusterConfig.DefaultRingHashMaximumRingSize;
        if (minimum is 0 or > MaxRingSize)
        {
            context.Error(FieldPath.Field(path, "minimum_ring_size"), $"must be 1 to {MaxRingSize}");
            ok = false;
        }

        if (maximum is 0 or > MaxRingSize)
        {
            context.Error(FieldPath.Field(path, "maximum_ring_size"), $"must be 1 to {MaxRingSize}");
            ok = false;
        }
        else if (minimum > maximum)
        {
            context.Error(path, $"minimum_ring_size ({minimum}) is greater than maximum_ring_size ({maximum})");
            ok = false;
        }

        if (config.HashFunction != Cluster.Types.RingHashLbConfig.Types.HashFunction.XxHash)
        {
            context.Warning(
                FieldPath.Field(path, "hash_function"),
                "MURMUR_HASH_2 is not implemented; hosts are placed with XX_HASH, so keys map to other hosts than in Envoy");
        }

        return result with { RingHashMinimumRingSize = minimum, RingHashMaximumRingSize = maximum };
    }

    private static ClusterConfig LeastRequest(Cluster.Types.LeastRequestLbConfig config, ClusterConfig result, string path, ConversionContext context, ref bool ok)
    {
        WarnIfOtherPolicy(result, LbPolicy.LeastRequest, "LEAST_REQUEST", path, context);
        UnsupportedFields.Warn(config, path, context, "choice_count", "active_request_bias");
        var choices = config.ChoiceCount ?? ClusterConfig.DefaultLeastRequestChoiceCount;
        if (choices < 2)
        {
            context.Error(FieldPath.Field(path, "choice_count"), "must be at least 2");
            ok = false;
        }

        var bias = 1.0;
        if (config.ActiveRequestBias is { } runtimeBias)
        {
            // No runtime layer here: the default value is the value.
            bias = runtimeBias.DefaultValue;
            if (bias < 0 || !double.IsFinite(bias))
            {
                context.Error(FieldPath.Field(FieldPath.Field(path, "active_request_bias"), "default_value"), $"{bias} must be 0 or more");
                ok = false;
                bias = 1.0;
            }
        }

        return result with { LeastRequestChoiceCount = choices, LeastRequestActiveRequestBias = bias };
    }

    private static ClusterConfig Maglev(Cluster.Types.MaglevLbConfig config, ClusterConfig result, string path, ConversionContext context, ref bool ok)
    {
        WarnIfOtherPolicy(result, LbPolicy.Maglev, "MAGLEV", path, context);
        UnsupportedFields.Warn(config, path, context, "table_size");
        var size = config.TableSize ?? ClusterConfig.DefaultMaglevTableSize;
        if (size > MaxMaglevTableSize || !IsPrime(size))
        {
            context.Error(FieldPath.Field(path, "table_size"), $"{size} must be a prime number no greater than {MaxMaglevTableSize}");
            ok = false;
            size = ClusterConfig.DefaultMaglevTableSize;
        }

        return result with { MaglevTableSize = size };
    }

    private static void WarnIfOtherPolicy(ClusterConfig result, LbPolicy policy, string policyName, string path, ConversionContext context)
    {
        if (result.LbPolicy != policy)
        {
            context.Warning(path, $"ignored: lb_policy is not {policyName}");
        }
    }

    private static bool IsPrime(ulong value)
    {
        if (value < 2)
        {
            return false;
        }

        for (ulong divisor = 2; divisor * divisor <= value; divisor++)
        {
            if (value % divisor == 0)
            {
                return false;
            }
        }

        return true;
    }
}
