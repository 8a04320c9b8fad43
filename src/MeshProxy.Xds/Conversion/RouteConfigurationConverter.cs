// TEMPORARY (lead's integration scaffold): replaced by the real converter from the converters branch before merge.
using Envoy.Config.Route.V3;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Xds.Conversion;

public static class RouteConfigurationConverter
{
    public static RouteTableConfig? Convert(RouteConfiguration routes, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(context);
        if (routes.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a route configuration name is required");
            return null;
        }

        return new RouteTableConfig(routes.Name, [.. routes.VirtualHosts.Select(v => new VirtualHostConfig(v.Name, [.. v.Domains]))]);
    }
}
