using Envoy.Extensions.Filters.Network.HttpConnectionManager.V3;
using MeshProxy.Core.Config.Http;
using MeshProxy.Xds.Conversion;

namespace MeshProxy.Tests.Xds.Conversion;

public sealed class HttpFilterPolicyTests
{
    private const string Router = """{"name": "envoy.filters.http.router", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}""";

    private static HttpConnectionManagerConfig? Convert(string filters, ConversionContext context)
    {
        var hcm = ProtoJson.Parse<HttpConnectionManager>(
            """{"stat_prefix": "s", "rds": {"route_config_name": "r", "config_source": {"ads": {}}}, "http_filters": [""" + filters + "]}");
        return HttpConnectionManagerConverter.Convert(hcm, "hcm", "f.typed_config", context);
    }

    [Fact]
    public void Convert_UnknownRequiredFilter_NacksWithNameAndPath()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "acme.auth", "typed_config": {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "type_url": "type.googleapis.com/acme.Auth"}}, """ + Router, context));

        Assert.Equal(
            ["f.typed_config.http_filters[0]: HTTP filter 'acme.auth' is required: unknown filter type type.googleapis.com/acme.Auth; MeshProxy does not support it yet, and dropping it would change what the proxy lets through"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_OptionalUnknownFilter_IsSkippedWithWarning()
    {
        var context = new ConversionContext();

        var hcm = Convert("""{"name": "acme.auth", "is_optional": true, "typed_config": {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "type_url": "type.googleapis.com/acme.Auth"}}, """ + Router, context)!;

        Assert.IsType<RouterFilterConfig>(Assert.Single(hcm.HttpFilters));
        Assert.Equal(
            ["f.typed_config.http_filters[0]: HTTP filter 'acme.auth' skipped: marked is_optional and not supported (unknown filter type type.googleapis.com/acme.Auth; MeshProxy does not support it yet, and dropping it would change what the proxy lets through)"],
            ProtoJson.Lines(context.Warnings));
    }

    [Theory]
    [InlineData("udpa.type.v1.TypedStruct")]
    [InlineData("xds.type.v3.TypedStruct")]
    public void Convert_TypedStructWrappedIstioFilter_IsSkipped(string wrapper)
    {
        var context = new ConversionContext();

        var hcm = Convert("""{"name": "istio.metadata_exchange", "typed_config": {"@type": "type.googleapis.com/WRAPPER", "type_url": "type.googleapis.com/io.istio.http.peer_metadata.Config", "value": {"upstream_discovery": []}}}, """.Replace("WRAPPER", wrapper, StringComparison.Ordinal) + Router, context)!;

        Assert.Single(hcm.HttpFilters);
        Assert.Equal(
            ["f.typed_config.http_filters[0]: HTTP filter 'istio.metadata_exchange' skipped: Istio peer metadata exchange only adds telemetry headers (filter policy)"],
            ProtoJson.Lines(context.Warnings));
    }

    [Theory]
    [InlineData("envoy.extensions.filters.http.rbac.v3.RBAC", "RBAC decides which requests are allowed")]
    [InlineData("envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", "local_ratelimit rejects requests over the limit")]
    public void Convert_DecidingFilter_IsRequired(string type, string reason)
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "x", "typed_config": {"@type": "type.googleapis.com/TYPE"}}, """.Replace("TYPE", type, StringComparison.Ordinal) + Router, context));

        Assert.Equal($"f.typed_config.http_filters[0]: HTTP filter 'x' is required: {reason}; MeshProxy does not support it yet, and dropping it would change what the proxy lets through", Assert.Single(context.Errors).ToString());
    }

    [Fact]
    public void Convert_FaultWithAbort_IsRequiredButEmptyFaultIsSkipped()
    {
        var context = new ConversionContext();
        const string Fault = """{"name": "envoy.filters.http.fault", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"}}, """;
        const string Abort = """{"name": "fault2", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault", "abort": {"http_status": 503, "percentage": {"numerator": 10}}}}, """;

        Assert.Null(Convert(Fault + Abort + Router, context));

        Assert.Equal(
            ["f.typed_config.http_filters[0]: HTTP filter 'envoy.filters.http.fault' skipped: the fault filter configures no abort, delay or rate limit (filter policy)"],
            ProtoJson.Lines(context.Warnings));
        Assert.Equal(
            ["f.typed_config.http_filters[1]: HTTP filter 'fault2' is required: fault injection with abort, delay or rate limit changes responses; MeshProxy does not support it yet, and dropping it would change what the proxy lets through"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_WasmOtherThanIstioStats_IsRequired()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "custom", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm", "config": {"vm_config": {"code": {"local": {"filename": "/x.wasm"}}}}}}, """ + Router, context));

        Assert.Contains("a Wasm plugin may change or reject any request", Assert.Single(context.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_RouterNotLast_IsAnError()
    {
        var context = new ConversionContext();

        Assert.Null(Convert(Router + """, {"name": "istio.stats", "typed_config": {"@type": "type.googleapis.com/udpa.type.v1.TypedStruct", "type_url": "type.googleapis.com/stats.PluginConfig"}}""", context));

        Assert.Equal(["f.typed_config.http_filters[0]: the router 'envoy.filters.http.router' must be the last HTTP filter"], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_NoRouter_IsAnError()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"name": "envoy.filters.http.cors", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"}}""", context));

        Assert.Equal(
            ["f.typed_config.http_filters: the router (envoy.extensions.filters.http.router.v3.Router) is required as the last HTTP filter"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_ScopedRoutes_IsAnError()
    {
        var context = new ConversionContext();
        var hcm = ProtoJson.Parse<HttpConnectionManager>("""{"stat_prefix": "s", "scoped_routes": {"name": "x"}, "http_filters": [""" + Router + "]}");

        Assert.Null(HttpConnectionManagerConverter.Convert(hcm, "hcm", "f", context));

        Assert.Equal(["f.scoped_routes: scoped routes (SRDS) are not supported; use rds or route_config"], ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_RdsFromNonAdsSource_IsAnError()
    {
        var context = new ConversionContext();
        var hcm = ProtoJson.Parse<HttpConnectionManager>("""{"stat_prefix": "s", "rds": {"route_config_name": "r", "config_source": {"path_config_source": {"path": "/r.yaml"}}}, "http_filters": [""" + Router + "]}");

        Assert.Null(HttpConnectionManagerConverter.Convert(hcm, "hcm", "f", context));

        Assert.Equal(
            ["f.rds.config_source: config source path_config_source is not supported; MeshProxy receives everything on its ADS stream (ads: {})"],
            ProtoJson.Lines(context.Errors));
    }
}
