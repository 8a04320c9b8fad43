using Envoy.Config.Cluster.V3;
using MeshProxy.Core.Config;
using RoutingPriority = Envoy.Config.Core.V3.RoutingPriority;

namespace MeshProxy.Xds.Conversion;

/// <summary>Envoy's <c>circuit_breakers</c> to <see cref="CircuitBreakerConfig"/>, unset limits taking Envoy's defaults.</summary>
internal static class CircuitBreakerConverter
{
    public static CircuitBreakerConfig Convert(CircuitBreakers? breakers, string path, ConversionContext context)
    {
        if (breakers is null)
        {
            return CircuitBreakerConfig.Default;
        }

        CircuitBreakerThresholds? normal = null;
        CircuitBreakerThresholds? high = null;
        var thresholdsPath = FieldPath.Field(path, "thresholds");
        for (var i = 0; i < breakers.Thresholds.Count; i++)
        {
            var threshold = breakers.Thresholds[i];
            var itemPath = FieldPath.Index(thresholdsPath, i);
            var converted = new CircuitBreakerThresholds(
                threshold.MaxConnections ?? CircuitBreakerThresholds.Default.MaxConnections,
                threshold.MaxPendingRequests ?? CircuitBreakerThresholds.Default.MaxPendingRequests,
                threshold.MaxRequests ?? CircuitBreakerThresholds.Default.MaxRequests,
                threshold.MaxRetries ?? CircuitBreakerThresholds.Default.MaxRetries);
            UnsupportedFields.Warn(threshold, itemPath, context, "priority", "max_connections", "max_pending_requests", "max_requests", "max_retries");

            // Envoy uses the first entry of each priority.
            if (threshold.Priority == RoutingPriority.High ? high is not null : normal is not null)
            {
                context.Warning(FieldPath.Field(itemPath, "priority"), "a second entry for this priority is ignored (Envoy uses the first)");
            }
            else if (threshold.Priority == RoutingPriority.High)
            {
                high = converted;
            }
            else
            {
                normal = converted;
            }
        }

        UnsupportedFields.Warn(breakers, path, context, "thresholds");
        return new CircuitBreakerConfig(normal ?? CircuitBreakerThresholds.Default, high ?? CircuitBreakerThresholds.Default);
    }
}
