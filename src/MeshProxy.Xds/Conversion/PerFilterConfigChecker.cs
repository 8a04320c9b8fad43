using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using RouteFilterConfig = Envoy.Config.Route.V3.FilterConfig;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// <c>typed_per_filter_config</c> on a virtual host, route or weighted cluster. Per-route settings of filters that a
/// listener could not run anyway (the listener is refused) are harmless; per-route settings of skipped filters are
/// warned about. The exception is fault injection: Istio keeps an empty fault filter in every HCM and puts the actual
/// abort/delay on the route, so an active per-route fault is an error, as the filter would be.
/// </summary>
internal static class PerFilterConfigChecker
{
    public static bool Check(MapField<string, Any> configs, string path, ConversionContext context)
    {
        var ok = true;
        foreach (var (name, any) in configs)
        {
            var itemPath = FieldPath.Key(path, name);
            var inner = any;
            var optional = false;
            if (any.TypeUrl == FilterTypeUrls.RouteFilterConfig)
            {
                if (TypedConfig.Unpack<RouteFilterConfig>(any, itemPath, context) is not { } wrapper)
                {
                    ok = false;
                    continue;
                }

                optional = wrapper.IsOptional;
                inner = wrapper.Config;
                if (wrapper.Disabled || inner is null)
                {
                    context.WarningOncePerResource("per-filter:" + name, itemPath, $"per-route config for filter '{name}' ignored (not supported yet)");
                    continue;
                }
            }

            var verdict = HttpFilterPolicy.Classify(name, inner, itemPath, context, out var reason);
            if (verdict is null)
            {
                ok = false;
            }
            else if (verdict == HttpFilterPolicy.Verdict.Reject && !optional && inner.TypeUrl == FilterTypeUrls.Fault)
            {
                context.Error(itemPath, $"per-route config for filter '{name}' is required: {reason}; MeshProxy does not support it yet");
                ok = false;
            }
            else
            {
                context.WarningOncePerResource("per-filter:" + name, itemPath, $"per-route config for filter '{name}' ignored (not supported yet)");
            }
        }

        return ok;
    }
}
