using System.Collections.Immutable;
using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// <c>envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager</c> to
/// <see cref="HttpConnectionManagerConfig"/>: routes by RDS (over ADS) or inline, HTTP filters under the filter policy,
/// and the connection-level settings. What Istio sets that does not change routing (tracing, access logs, path
/// normalisation, upgrades, XFCC, ...) is accepted with a warning each.
/// </summary>
public static class HttpConnectionManagerConverter
{
    /// <param name="hcm">The unpacked typed_config.</param>
    /// <param name="filterName">The network filter's configured name.</param>
    /// <param name="path">Path of the <c>typed_config</c> field.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <returns>The filter config, or null when an error was recorded.</returns>
    public static HttpConnectionManagerConfig? Convert(HttpConnectionManager hcm, string filterName, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(hcm);
        ArgumentNullException.ThrowIfNull(context);
        var ok = true;
        if (hcm.StatPrefix.Length == 0)
        {
            context.Error(FieldPath.Field(path, "stat_prefix"), "a stat_prefix is required");
            ok = false;
        }

        HttpCodecType codec = HttpCodecType.Auto;
        switch (hcm.CodecType)
        {
            case HttpConnectionManager.Types.CodecType.Auto:
                break;
            case HttpConnectionManager.Types.CodecType.Http1:
                codec = HttpCodecType.Http1;
                break;
            case HttpConnectionManager.Types.CodecType.Http2:
                codec = HttpCodecType.Http2;
                break;
            default:
                context.Error(FieldPath.Field(path, "codec_type"), $"codec {hcm.CodecType} is not supported (AUTO, HTTP1 or HTTP2)");
                ok = false;
                break;
        }

        var result = new HttpConnectionManagerConfig(filterName, hcm.StatPrefix) { CodecType = codec };
        switch (hcm.RouteSpecifierCase)
        {
            case HttpConnectionManager.RouteSpecifierOneofCase.Rds:
                var rdsPath = FieldPath.Field(path, "rds");
                if (hcm.Rds.RouteConfigName.Length == 0)
                {
                    context.Error(FieldPath.Field(rdsPath, "route_config_name"), "a route configuration name is required");
                    ok = false;
                }

                ok &= ConfigSourceConverter.ConvertAds(hcm.Rds.ConfigSource, FieldPath.Field(rdsPath, "config_source"), context, out var fetchTimeout);
                UnsupportedFields.Warn(hcm.Rds, rdsPath, context, "config_source", "route_config_name");
                result = result with { RdsRouteConfigName = hcm.Rds.RouteConfigName, RdsInitialFetchTimeout = fetchTimeout };
                break;
            case HttpConnectionManager.RouteSpecifierOneofCase.RouteConfig:
                var table = RouteConfigurationConverter.Convert(hcm.RouteConfig, FieldPath.Field(path, "route_config"), context);
                ok &= table is not null;
                result = result with { RouteConfig = table };
                break;
            case HttpConnectionManager.RouteSpecifierOneofCase.ScopedRoutes:
                context.Error(FieldPath.Field(path, "scoped_routes"), "scoped routes (SRDS) are not supported; use rds or route_config");
                ok = false;
                break;
            default:
                context.Error(path, "routes are required: rds or route_config");
                ok = false;
                break;
        }

        var filters = ConvertFilters(hcm, FieldPath.Field(path, "http_filters"), context);
        ok &= !filters.IsDefault;

        result = result with
        {
            HttpFilters = filters.IsDefault ? [] : filters,
            UseRemoteAddress = hcm.UseRemoteAddress ?? false,
            XffNumTrustedHops = hcm.XffNumTrustedHops,
            GenerateRequestId = hcm.GenerateRequestId ?? true,
        };
        if (hcm.ServerName.Length > 0)
        {
            result = result with { ServerName = hcm.ServerName };
        }

        // Envoy: 0s disables these timeouts.
        var streamIdle = OptionalTimeout(hcm.StreamIdleTimeout, result.StreamIdleTimeout, FieldPath.Field(path, "stream_idle_timeout"), context, ref ok);
        var request = OptionalTimeout(hcm.RequestTimeout, result.RequestTimeout, FieldPath.Field(path, "request_timeout"), context, ref ok);
        var drain = DurationConverter.Convert(hcm.DrainTimeout, result.DrainTimeout, FieldPath.Field(path, "drain_timeout"), context, allowZero: true);
        ok &= drain is not null;
        result = result with { StreamIdleTimeout = streamIdle, RequestTimeout = request, DrainTimeout = drain ?? result.DrainTimeout };

        if (hcm.MaxRequestHeadersKb is { } kb)
        {
            if (kb is 0 or > 8192)
            {
                context.Error(FieldPath.Field(path, "max_request_headers_kb"), $"{kb} is out of range (1-8192)");
                ok = false;
            }

            result = result with { MaxRequestHeadersKb = kb };
        }

        if (hcm.CommonHttpProtocolOptions is { } common)
        {
            var commonPath = FieldPath.Field(path, "common_http_protocol_options");
            var idle = OptionalTimeout(common.IdleTimeout, result.IdleTimeout, FieldPath.Field(commonPath, "idle_timeout"), context, ref ok);
            if (common.MaxHeadersCount is 0)
            {
                context.Error(FieldPath.Field(commonPath, "max_headers_count"), "must be at least 1");
                ok = false;
            }

            result = result with
            {
                IdleTimeout = idle,
                MaxHeadersCount = common.MaxHeadersCount ?? result.MaxHeadersCount,
                MaxRequestsPerConnection = common.MaxRequestsPerConnection is null or 0 ? null : common.MaxRequestsPerConnection,
            };
            UnsupportedFields.Warn(common, commonPath, context, "idle_timeout", "max_headers_count", "max_requests_per_connection");
        }

        UnsupportedFields.Warn(
            hcm, path, context,
            "codec_type", "stat_prefix", "rds", "route_config", "scoped_routes", "http_filters", "use_remote_address", "xff_num_trusted_hops",
            "server_name", "generate_request_id", "stream_idle_timeout", "request_timeout", "drain_timeout", "max_request_headers_kb",
            "common_http_protocol_options");
        return ok ? result : null;
    }

    private static ImmutableArray<HttpFilterConfig> ConvertFilters(HttpConnectionManager hcm, string path, ConversionContext context)
    {
        var ok = true;
        var result = ImmutableArray.CreateBuilder<HttpFilterConfig>();
        var routerIndex = -1;
        for (var i = 0; i < hcm.HttpFilters.Count; i++)
        {
            var filterPath = FieldPath.Index(path, i);
            if (!HttpFilterConverter.TryConvert(hcm.HttpFilters[i], filterPath, context, out var filter))
            {
                ok = false;
                continue;
            }

            if (filter is RouterFilterConfig)
            {
                if (routerIndex >= 0)
                {
                    context.Error(filterPath, $"only one router is allowed (also {FieldPath.Index(path, routerIndex)})");
                    ok = false;
                }

                routerIndex = i;
            }

            if (filter is not null)
            {
                result.Add(filter);
            }
        }

        if (routerIndex < 0)
        {
            // Envoy has no default terminal filter; a chain without the router serves nothing.
            context.Error(path, "the router (envoy.extensions.filters.http.router.v3.Router) is required as the last HTTP filter");
            ok = false;
        }
        else if (routerIndex != hcm.HttpFilters.Count - 1)
        {
            context.Error(FieldPath.Index(path, routerIndex), $"the router '{hcm.HttpFilters[routerIndex].Name}' must be the last HTTP filter");
            ok = false;
        }

        return ok ? result.ToImmutable() : default;
    }

    private static TimeSpan? OptionalTimeout(
        Google.Protobuf.WellKnownTypes.Duration? value, TimeSpan? current, string path, ConversionContext context, ref bool ok)
    {
        if (value is null)
        {
            return current;
        }

        var converted = DurationConverter.Convert(value, TimeSpan.Zero, path, context, allowZero: true);
        ok &= converted is not null;
        return converted == TimeSpan.Zero ? null : converted;
    }
}
