using Envoy.Config.Cluster.V3;
using MeshProxy.Core.Config;
using HttpProtocolOptions = Envoy.Extensions.Upstreams.Http.V3.HttpProtocolOptions;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Which HTTP version a cluster speaks: <c>typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]</c>,
/// else the deprecated <c>http2_protocol_options</c> / <c>protocol_selection</c> fields, else HTTP/1.1.
/// </summary>
internal static class UpstreamProtocolConverter
{
    public static UpstreamHttpProtocol? Convert(Cluster cluster, string path, ConversionContext context)
    {
        var optionsPath = FieldPath.Field(path, "typed_extension_protocol_options");
        UpstreamHttpProtocol? result = null;
        var ok = true;
        foreach (var (key, any) in cluster.TypedExtensionProtocolOptions)
        {
            var itemPath = FieldPath.Key(optionsPath, key);
            if (key != FilterTypeUrls.HttpProtocolOptionsKey && any.TypeUrl != FilterTypeUrls.HttpProtocolOptions)
            {
                context.Warning(itemPath, "not supported yet; ignored");
                continue;
            }

            if (TypedConfig.Unpack<HttpProtocolOptions>(any, itemPath, context) is not { } options)
            {
                ok = false;
                continue;
            }

            result = ConvertOptions(options, itemPath, context, ref ok);
        }

        if (!ok)
        {
            return null;
        }

        if (result is not null)
        {
            return result;
        }

#pragma warning disable CS0612 // the deprecated cluster-level fields are still what older control planes send.
        if (cluster.ProtocolSelection == Cluster.Types.ClusterProtocolSelection.UseDownstreamProtocol)
        {
            return UpstreamHttpProtocol.UseDownstream;
        }

        return cluster.Http2ProtocolOptions is not null ? UpstreamHttpProtocol.Http2 : UpstreamHttpProtocol.Http1;
#pragma warning restore CS0612
    }

    private static UpstreamHttpProtocol? ConvertOptions(HttpProtocolOptions options, string path, ConversionContext context, ref bool ok)
    {
        UpstreamHttpProtocol? result = UpstreamHttpProtocol.Http1;
        switch (options.UpstreamProtocolOptionsCase)
        {
            case HttpProtocolOptions.UpstreamProtocolOptionsOneofCase.ExplicitHttpConfig:
                var explicitConfig = options.ExplicitHttpConfig;
                var explicitPath = FieldPath.Field(path, "explicit_http_config");
                switch (explicitConfig.ProtocolConfigCase)
                {
                    case HttpProtocolOptions.Types.ExplicitHttpConfig.ProtocolConfigOneofCase.Http2ProtocolOptions:
                        result = UpstreamHttpProtocol.Http2;
                        break;
                    case HttpProtocolOptions.Types.ExplicitHttpConfig.ProtocolConfigOneofCase.Http3ProtocolOptions:
                        context.Error(FieldPath.Field(explicitPath, "http3_protocol_options"), "HTTP/3 upstreams are not supported");
                        ok = false;
                        result = null;
                        break;
                }

                break;
            case HttpProtocolOptions.UpstreamProtocolOptionsOneofCase.UseDownstreamProtocolConfig:
                result = UpstreamHttpProtocol.UseDownstream;
                break;
            case HttpProtocolOptions.UpstreamProtocolOptionsOneofCase.AutoConfig:
                // ALPN picks the version, and ALPN needs TLS, which MeshProxy does not originate yet.
                context.Warning(FieldPath.Field(path, "auto_config"), "ALPN selection needs TLS, not supported yet; HTTP/1.1 is used");
                break;
        }

        if (options.HttpFilters.Count > 0)
        {
            context.Error(FieldPath.Field(path, "http_filters"), "upstream HTTP filters are not supported");
            ok = false;
        }

        UnsupportedFields.Warn(options, path, context, "explicit_http_config", "use_downstream_protocol_config", "auto_config", "http_filters");
        return result;
    }
}
