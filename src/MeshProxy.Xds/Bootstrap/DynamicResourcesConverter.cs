using Envoy.Config.Bootstrap.V3;
using Envoy.Config.Core.V3;
using Envoy.Extensions.TransportSockets.Tls.V3;
using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;
using EnvoyAddress = Envoy.Config.Core.V3.Address;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>
/// <c>dynamic_resources</c> to <see cref="XdsBootstrapConfig"/>. The ADS server is named either by a Google gRPC
/// <c>target_uri</c> or, as Istio's pilot-agent renders it, by an Envoy gRPC <c>cluster_name</c> that points at a
/// static cluster (usually <c>xds-grpc</c>, on a Unix socket). Such control-plane clusters are read here (address,
/// TLS CA) and are not data-plane clusters: <see cref="ControlPlaneClusterNames"/> lists them so the caller skips them.
/// </summary>
public static class DynamicResourcesConverter
{
    /// <summary>Static clusters that ads_config names: the control plane's, not traffic's.</summary>
    public static IReadOnlySet<string> ControlPlaneClusterNames(Envoy.Config.Bootstrap.V3.Bootstrap bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (bootstrap.DynamicResources?.AdsConfig is { } ads)
        {
            foreach (var service in ads.GrpcServices)
            {
                if (service.TargetSpecifierCase == GrpcService.TargetSpecifierOneofCase.EnvoyGrpc)
                {
                    names.Add(service.EnvoyGrpc.ClusterName);
                }
            }
        }

        return names;
    }

    /// <returns>The dynamic sources (<see cref="XdsBootstrapConfig.None"/> when there are none); errors go to the context.</returns>
    public static XdsBootstrapConfig Convert(Envoy.Config.Bootstrap.V3.Bootstrap bootstrap, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        ArgumentNullException.ThrowIfNull(context);
        if (bootstrap.DynamicResources is not { } dynamic)
        {
            return XdsBootstrapConfig.None;
        }

        const string path = "dynamic_resources";
        UnsupportedFields.Warn(dynamic, path, context, "lds_config", "cds_config", "ads_config");
        var lds = dynamic.LdsConfig is null ? null : ConvertSource(dynamic.LdsConfig, FieldPath.Field(path, "lds_config"), context);
        var cds = dynamic.CdsConfig is null ? null : ConvertSource(dynamic.CdsConfig, FieldPath.Field(path, "cds_config"), context);
        var usesAds = lds is AdsConfigSource || cds is AdsConfigSource;

        AdsServerConfig? server = null;
        if (dynamic.AdsConfig is { } ads)
        {
            server = ConvertAds(ads, bootstrap, FieldPath.Field(path, "ads_config"), context);
        }
        else if (usesAds)
        {
            context.Error(FieldPath.Field(path, "ads_config"), "lds_config or cds_config uses 'ads: {}' but no ads_config is given");
        }

        return new XdsBootstrapConfig(server, lds, cds);
    }

    /// <summary>A <c>ConfigSource</c> as used by LDS, CDS, and also by RDS and EDS references inside resources.</summary>
    public static ConfigSourceSpec? ConvertSource(ConfigSource source, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(context);
        UnsupportedFields.Warn(
            source, path, context,
            "ads", "path_config_source", "path", "initial_fetch_timeout", "resource_api_version", "api_config_source");
        var timeout = DurationConverter.Convert(
            source.InitialFetchTimeout, ConfigSourceSpec.DefaultInitialFetchTimeout, FieldPath.Field(path, "initial_fetch_timeout"), context, allowZero: true);
        if (timeout is null)
        {
            return null;
        }

        switch (source.ConfigSourceSpecifierCase)
        {
            case ConfigSource.ConfigSourceSpecifierOneofCase.Ads:
                return new AdsConfigSource { InitialFetchTimeout = timeout.Value };
            case ConfigSource.ConfigSourceSpecifierOneofCase.PathConfigSource:
                var file = source.PathConfigSource;
                if (file.Path.Length == 0)
                {
                    context.Error(FieldPath.Field(path, "path_config_source.path"), "a path is required");
                    return null;
                }

                var watched = file.WatchedDirectory?.Path;
                return new PathConfigSource(file.Path, string.IsNullOrEmpty(watched) ? null : watched) { InitialFetchTimeout = timeout.Value };
#pragma warning disable CS0612 // 'path' is deprecated in v3 but still accepted by Envoy; treat it as path_config_source.
            case ConfigSource.ConfigSourceSpecifierOneofCase.Path:
                return new PathConfigSource(source.Path, null) { InitialFetchTimeout = timeout.Value };
#pragma warning restore CS0612
            case ConfigSource.ConfigSourceSpecifierOneofCase.ApiConfigSource:
                context.Error(
                    FieldPath.Field(path, "api_config_source"),
                    "a separate (non-aggregated) xDS server per type is not supported; use 'ads: {}' with dynamic_resources.ads_config");
                return null;
            case ConfigSource.ConfigSourceSpecifierOneofCase.Self:
                context.Error(FieldPath.Field(path, "self"), "'self' config sources are not supported; use 'ads: {}'");
                return null;
            default:
                context.Error(path, "a config source (ads or path_config_source) is required");
                return null;
        }
    }

    private static AdsServerConfig? ConvertAds(ApiConfigSource ads, Envoy.Config.Bootstrap.V3.Bootstrap bootstrap, string path, ConversionContext context)
    {
        UnsupportedFields.Warn(
            ads, path, context,
            "api_type", "transport_api_version", "grpc_services", "set_node_on_first_message_only", "rate_limit_settings", "refresh_delay", "request_timeout");
        bool delta;
        switch (ads.ApiType)
        {
            case ApiConfigSource.Types.ApiType.Grpc:
            case ApiConfigSource.Types.ApiType.AggregatedGrpc:
                delta = false;
                break;
            case ApiConfigSource.Types.ApiType.DeltaGrpc:
            case ApiConfigSource.Types.ApiType.AggregatedDeltaGrpc:
                delta = true;
                break;
            default:
                context.Error(FieldPath.Field(path, "api_type"), $"api_type {ProtoSchema.Envoy.GetMessage(typeof(ApiConfigSource)).FindFieldByName("api_type")!.EnumType.NameOf((int)ads.ApiType)} is not supported for ADS; use GRPC or DELTA_GRPC");
                return null;
        }

        var servicesPath = FieldPath.Field(path, "grpc_services");
        if (ads.GrpcServices.Count == 0)
        {
            context.Error(servicesPath, "one gRPC service (the ADS server) is required");
            return null;
        }

        if (ads.GrpcServices.Count > 1)
        {
            context.Warning(servicesPath, $"only the first of {ads.GrpcServices.Count} gRPC services is used, as in Envoy");
        }

        var service = ads.GrpcServices[0];
        var servicePath = FieldPath.Index(servicesPath, 0);
        UnsupportedFields.Warn(service, servicePath, context, "envoy_grpc", "google_grpc", "timeout", "initial_metadata");
        return service.TargetSpecifierCase switch
        {
            GrpcService.TargetSpecifierOneofCase.GoogleGrpc => FromGoogleGrpc(service.GoogleGrpc, delta, FieldPath.Field(servicePath, "google_grpc"), context),
            GrpcService.TargetSpecifierOneofCase.EnvoyGrpc => WithEnvoyGrpcSettings(
                FromCluster(service.EnvoyGrpc.ClusterName, bootstrap, delta, FieldPath.Field(servicePath, "envoy_grpc.cluster_name"), context),
                service.EnvoyGrpc,
                FieldPath.Field(servicePath, "envoy_grpc"),
                context),
            _ => Fail(servicePath, "envoy_grpc or google_grpc is required", context),
        };
    }

    // Envoy's envoy_grpc knobs that matter to an ADS stream: the receive limit (0 = unlimited) and the reconnect back-off.
    private static AdsServerConfig? WithEnvoyGrpcSettings(AdsServerConfig? server, GrpcService.Types.EnvoyGrpc grpc, string path, ConversionContext context)
    {
        UnsupportedFields.Warn(grpc, path, context, "cluster_name", "max_receive_message_length", "retry_policy", "authority");
        if (server is null)
        {
            return null;
        }

        if (grpc.MaxReceiveMessageLength is { } limit)
        {
            server = server with { MaxReceiveMessageBytes = limit == 0 || limit > int.MaxValue ? int.MaxValue : (int)limit };
        }

        if (grpc.RetryPolicy?.RetryBackOff is { } backOff)
        {
            var backOffPath = FieldPath.Field(path, "retry_policy.retry_back_off");
            var baseInterval = DurationConverter.Convert(
                backOff.BaseInterval, TimeSpan.FromMilliseconds(500), FieldPath.Field(backOffPath, "base_interval"), context, allowZero: false);
            var maxInterval = backOff.MaxInterval is null
                ? baseInterval * 10
                : DurationConverter.Convert(backOff.MaxInterval, TimeSpan.FromSeconds(30), FieldPath.Field(backOffPath, "max_interval"), context, allowZero: false);
            if (baseInterval is not null && maxInterval is not null && maxInterval < baseInterval)
            {
                context.Error(FieldPath.Field(backOffPath, "max_interval"), "must be at least base_interval");
                return null;
            }

            server = server with { BackoffBase = baseInterval, BackoffMax = maxInterval };
        }

        return server;
    }

    private static AdsServerConfig? FromGoogleGrpc(GrpcService.Types.GoogleGrpc grpc, bool delta, string path, ConversionContext context)
    {
        UnsupportedFields.Warn(grpc, path, context, "target_uri", "channel_credentials", "stat_prefix");
        if (grpc.TargetUri.Length == 0)
        {
            return Fail(FieldPath.Field(path, "target_uri"), "a target_uri (HOST:PORT or unix:/path) is required", context);
        }

        var target = grpc.TargetUri;
        string? ca = null;
        if (grpc.ChannelCredentials?.SslCredentials is { } ssl)
        {
            ca = DataSourceFile(ssl.RootCerts, FieldPath.Field(path, "channel_credentials.ssl_credentials.root_certs"), context);
            target = target.StartsWith("https://", StringComparison.Ordinal) ? target : "https://" + target;
        }

        return new AdsServerConfig(target, delta, ca, null, null);
    }

    private static AdsServerConfig? FromCluster(string name, Envoy.Config.Bootstrap.V3.Bootstrap bootstrap, bool delta, string path, ConversionContext context)
    {
        var cluster = bootstrap.StaticResources?.Clusters.FirstOrDefault(c => c.Name == name);
        if (cluster is null)
        {
            return Fail(path, $"cluster '{name}' is not defined in static_resources.clusters", context);
        }

        var endpoint = cluster.LoadAssignment?.Endpoints.SelectMany(e => e.LbEndpoints).FirstOrDefault()?.Endpoint?.Address;
        var target = endpoint is null ? null : AddressTarget(endpoint);
        if (target is null)
        {
            return Fail(path, $"cluster '{name}' needs a load_assignment endpoint with a socket_address or a pipe", context);
        }

        string? ca = null, cert = null, key = null;
        if (cluster.TransportSocket?.TypedConfig is { } tls)
        {
            var tlsPath = $"static_resources.clusters[name={name}].transport_socket.typed_config";
            if (!TypedConfig.Is<UpstreamTlsContext>(tls))
            {
                return Fail(tlsPath, $"transport socket {tls.TypeUrl} is not supported for the xDS server; use UpstreamTlsContext", context);
            }

            var common = UpstreamTlsContext.Parser.ParseFrom(tls.Value).CommonTlsContext;
            ca = DataSourceFile(common?.ValidationContext?.TrustedCa, FieldPath.Field(tlsPath, "common_tls_context.validation_context.trusted_ca"), context);
            if (common?.TlsCertificates.FirstOrDefault() is { } pair)
            {
                cert = DataSourceFile(pair.CertificateChain, FieldPath.Field(tlsPath, "common_tls_context.tls_certificates[0].certificate_chain"), context);
                key = DataSourceFile(pair.PrivateKey, FieldPath.Field(tlsPath, "common_tls_context.tls_certificates[0].private_key"), context);
            }

            target = target.StartsWith("unix:", StringComparison.Ordinal) ? target : "https://" + target;
        }

        return new AdsServerConfig(target, delta, ca, cert, key);
    }

    private static string? AddressTarget(EnvoyAddress address) => address.AddressCase switch
    {
        EnvoyAddress.AddressOneofCase.Pipe when address.Pipe.Path.Length > 0 => "unix:" + address.Pipe.Path,
        EnvoyAddress.AddressOneofCase.SocketAddress when address.SocketAddress.Address.Length > 0 =>
            address.SocketAddress.Address.Contains(':', StringComparison.Ordinal)
                ? $"[{address.SocketAddress.Address}]:{address.SocketAddress.PortValue}"
                : $"{address.SocketAddress.Address}:{address.SocketAddress.PortValue}",
        _ => null,
    };

    private static string? DataSourceFile(DataSource? source, string path, ConversionContext context)
    {
        if (source is null)
        {
            return null;
        }

        if (source.SpecifierCase == DataSource.SpecifierOneofCase.Filename)
        {
            return source.Filename;
        }

        context.Error(path, "only 'filename' data sources are supported for xDS TLS material");
        return null;
    }

    private static AdsServerConfig? Fail(string path, string message, ConversionContext context)
    {
        context.Error(path, message);
        return null;
    }
}
