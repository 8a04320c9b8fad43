// TEMPORARY (lead's integration scaffold): replaced by the real converter from the converters branch before merge.
using Envoy.Config.Endpoint.V3;
using MeshProxy.Core.Config;

namespace MeshProxy.Xds.Conversion;

public static class ClusterLoadAssignmentConverter
{
    public static EndpointSetConfig? Convert(ClusterLoadAssignment assignment, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(context);
        var endpoints = new List<EndpointConfig>();
        foreach (var group in assignment.Endpoints)
        {
            foreach (var host in group.LbEndpoints)
            {
                var address = SocketAddressConverter.Convert(host.Endpoint?.Address, FieldPath.Field(path, "endpoints"), context, allowPortZero: false);
                if (address is not null)
                {
                    endpoints.Add(new EndpointConfig(address, host.LoadBalancingWeight ?? 1, EndpointHealth.Unknown, group.Priority, string.Empty));
                }
            }
        }

        return context.HasErrors ? null : new EndpointSetConfig(assignment.ClusterName, [.. endpoints]);
    }
}
