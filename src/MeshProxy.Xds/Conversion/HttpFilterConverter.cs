using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using MeshProxy.Core.Config.Http;
using RouterProto = Envoy.Extensions.Filters.Http.Router.V3.Router;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// One <c>http_filters</c> entry of an HTTP connection manager, under the filter policy (<see cref="HttpFilterPolicy"/>
/// and the README): the router converts; observing filters and <c>is_optional</c> ones are skipped with one warning per
/// resource; filters that decide are errors (the listener is NACKed).
/// </summary>
public static class HttpFilterConverter
{
    /// <param name="filter">The proto.</param>
    /// <param name="path">Path of the filter, for example <c>...typed_config.http_filters[2]</c>.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <param name="config">The converted filter; null when skipped by policy or on error.</param>
    /// <returns>False when an error was recorded; true when converted or skipped.</returns>
    public static bool TryConvert(HttpFilter filter, string path, ConversionContext context, out HttpFilterConfig? config)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        config = null;
        if (filter.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a filter name is required");
            return false;
        }

        var configPath = FieldPath.Field(path, "typed_config");
        if (filter.ConfigTypeCase == HttpFilter.ConfigTypeOneofCase.ConfigDiscovery)
        {
            return SkipOptionalOr(filter, path, context, "filter config discovery (ECDS) is not supported");
        }

        var verdict = HttpFilterPolicy.Classify(filter.Name, filter.TypedConfig, configPath, context, out var reason);
        switch (verdict)
        {
            case null:
                return false;
            case HttpFilterPolicy.Verdict.Router:
                var router = TypedConfig.Unpack<RouterProto>(filter.TypedConfig, configPath, context);
                if (router is null)
                {
                    return false;
                }

                UnsupportedFields.Warn(router, configPath, context, "suppress_envoy_headers");
                UnsupportedFields.Warn(filter, path, context, "name", "typed_config", "is_optional");
                config = new RouterFilterConfig(filter.Name) { SuppressEnvoyHeaders = router.SuppressEnvoyHeaders };
                return true;
            case HttpFilterPolicy.Verdict.Skip:
                context.WarningOncePerResource(
                    "http-filter:" + filter.Name, path, $"HTTP filter '{filter.Name}' skipped: {reason} (filter policy)");
                return true;
            default:
                return SkipOptionalOr(filter, path, context, $"{reason}; MeshProxy does not support it yet, and dropping it would change what the proxy lets through");
        }
    }

    // Envoy's own rule: a filter marked is_optional that the proxy does not support is skipped.
    private static bool SkipOptionalOr(HttpFilter filter, string path, ConversionContext context, string reason)
    {
        if (filter.IsOptional)
        {
            context.WarningOncePerResource(
                "http-filter:" + filter.Name, path, $"HTTP filter '{filter.Name}' skipped: marked is_optional and not supported ({reason})");
            return true;
        }

        context.Error(path, $"HTTP filter '{filter.Name}' is required: {reason}");
        return false;
    }
}
