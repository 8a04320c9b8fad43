using System.Collections.Immutable;
using Envoy.Config.Cluster.V3;
using MeshProxy.Core.Config;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy <c>Cluster</c> to <see cref="ClusterConfig"/>; shared by bootstrap and CDS. Types STATIC, STRICT_DNS,
/// LOGICAL_DNS, EDS (over ADS) and ORIGINAL_DST. TLS towards the hosts is not supported yet: a TLS
/// <c>transport_socket</c> marks the cluster <see cref="ClusterConfig.RequiresTls"/>; Istio's auto-mTLS
/// <c>transport_socket_matches</c> fall back to their plaintext entry.
/// </summary>
public static class ClusterConverter
{
    /// <param name="cluster">The proto.</param>
    /// <param name="path">Path of the cluster, for example <c>static_resources.clusters[0]</c>.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <returns>The cluster, or null when an error was recorded.</returns>
    public static ClusterConfig? Convert(Cluster cluster, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(context);
        var previousResource = context.Resource;
        context.Resource = path;
        try
        {
            return ConvertCluster(cluster, path, context);
        }
        finally
        {
            context.Resource = previousResource;
        }
    }

    private static ClusterConfig? ConvertCluster(Cluster cluster, string path, ConversionContext context)
    {
        var ok = true;
        if (cluster.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a cluster name is required");
            ok = false;
        }

        var type = ConvertType(cluster, path, context);
        ok &= type is not null;

        var connectTimeout = DurationConverter.Convert(
            cluster.ConnectTimeout, ClusterConfig.DefaultConnectTimeout, FieldPath.Field(path, "connect_timeout"), context, allowZero: false);
        ok &= connectTimeout is not null;

        var lbPolicy = ConvertLbPolicy(cluster.LbPolicy, type, FieldPath.Field(path, "lb_policy"), context);
        ok &= lbPolicy is not null;

        var requiresTls = ConvertTransport(cluster, path, context, ref ok);

        var result = new ClusterConfig(
            cluster.Name,
            type ?? ClusterDiscoveryType.Static,
            connectTimeout ?? ClusterConfig.DefaultConnectTimeout,
            lbPolicy ?? LbPolicy.RoundRobin,
            [],
            cluster.PerConnectionBufferLimitBytes ?? ListenerConfig.DefaultPerConnectionBufferLimitBytes)
        {
            RequiresTls = requiresTls,
        };

        var assignmentPath = FieldPath.Field(path, "load_assignment");
        switch (type)
        {
            case ClusterDiscoveryType.Static when cluster.LoadAssignment is not null:
                var endpoints = ClusterLoadAssignmentConverter.ConvertEndpoints(cluster.LoadAssignment, assignmentPath, context);
                ok &= !endpoints.IsDefault;
                result = result with { Endpoints = endpoints.IsDefault ? [] : endpoints };
                break;
            case ClusterDiscoveryType.StrictDns or ClusterDiscoveryType.LogicalDns:
                result = ConvertDns(cluster, result, path, context, ref ok);
                break;
            case ClusterDiscoveryType.Eds:
                result = ConvertEds(cluster, result, path, context, ref ok);
                break;
            case ClusterDiscoveryType.OriginalDst:
                if (cluster.LoadAssignment is { Endpoints.Count: > 0 })
                {
                    context.Error(assignmentPath, "ORIGINAL_DST clusters take their host from each connection; load_assignment must be empty");
                    ok = false;
                }

                var cleanup = DurationConverter.Convert(
                    cluster.CleanupInterval, ClusterConfig.DefaultOriginalDstCleanupInterval, FieldPath.Field(path, "cleanup_interval"), context, allowZero: false);
                ok &= cleanup is not null;
                result = result with { OriginalDstCleanupInterval = cleanup ?? ClusterConfig.DefaultOriginalDstCleanupInterval };
                break;
        }

        if (cluster.LoadAssignment is not null)
        {
            // EDS clusters take the factor of the assignment EDS delivers (merged in by the store); this one is ignored.
            var factor = ClusterLoadAssignmentConverter.ConvertPolicy(cluster.LoadAssignment.Policy, FieldPath.Field(assignmentPath, "policy"), context);
            ok &= factor is not null;
            if (type != ClusterDiscoveryType.Eds)
            {
                result = result with { OverprovisioningFactor = factor ?? EndpointSetConfig.DefaultOverprovisioningFactor };
            }
        }

        result = LoadBalancingConverter.Convert(cluster, result, path, context, ref ok);

        var breakers = CircuitBreakerConverter.Convert(cluster.CircuitBreakers, FieldPath.Field(path, "circuit_breakers"), context);
        var protocol = UpstreamProtocolConverter.Convert(cluster, path, context);
        ok &= protocol is not null;
        CheckUpstreamFilters(cluster, path, context, ref ok);

        UnsupportedFields.Warn(cluster, path, context, Handled);
        if (!ok)
        {
            return null;
        }

        return result with { CircuitBreakers = breakers, UpstreamProtocol = protocol!.Value };
    }

    private static readonly string[] Handled =
    [
        "name", "type", "cluster_type", "connect_timeout", "lb_policy", "load_assignment", "transport_socket", "transport_socket_matches",
        "per_connection_buffer_limit_bytes", "eds_cluster_config", "dns_refresh_rate", "dns_lookup_family", "cleanup_interval",
        "circuit_breakers", "typed_extension_protocol_options", "http2_protocol_options", "http_protocol_options", "protocol_selection",
        "filters", "common_lb_config", "ring_hash_lb_config", "least_request_lb_config", "maglev_lb_config",
    ];

    private static ClusterDiscoveryType? ConvertType(Cluster cluster, string path, ConversionContext context)
    {
        if (cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.ClusterType)
        {
            context.Error(FieldPath.Field(path, "cluster_type"), $"custom cluster type '{cluster.ClusterType.Name}' is not supported");
            return null;
        }

        // Unset means STATIC (the enum's zero value), as in Envoy.
        switch (cluster.Type)
        {
            case Cluster.Types.DiscoveryType.Static:
                return ClusterDiscoveryType.Static;
            case Cluster.Types.DiscoveryType.StrictDns:
                return ClusterDiscoveryType.StrictDns;
            case Cluster.Types.DiscoveryType.LogicalDns:
                return ClusterDiscoveryType.LogicalDns;
            case Cluster.Types.DiscoveryType.Eds:
                return ClusterDiscoveryType.Eds;
            case Cluster.Types.DiscoveryType.OriginalDst:
                return ClusterDiscoveryType.OriginalDst;
            default:
                context.Error(FieldPath.Field(path, "type"), $"cluster type {EnumName(cluster.Type)} is not supported");
                return null;
        }
    }

    private static LbPolicy? ConvertLbPolicy(Cluster.Types.LbPolicy policy, ClusterDiscoveryType? type, string path, ConversionContext context)
    {
        LbPolicy? result = policy switch
        {
            Cluster.Types.LbPolicy.RoundRobin => LbPolicy.RoundRobin,
            Cluster.Types.LbPolicy.LeastRequest => LbPolicy.LeastRequest,
            Cluster.Types.LbPolicy.Random => LbPolicy.Random,
            Cluster.Types.LbPolicy.RingHash => LbPolicy.RingHash,
            Cluster.Types.LbPolicy.Maglev => LbPolicy.Maglev,
            Cluster.Types.LbPolicy.ClusterProvided => LbPolicy.ClusterProvided,
            _ => null,
        };
        if (result is null)
        {
            context.Error(path, $"lb_policy {EnumName(policy)} is not supported");
            return null;
        }

        // Envoy pairs the two both ways.
        if (type == ClusterDiscoveryType.OriginalDst && result != LbPolicy.ClusterProvided)
        {
            context.Error(path, $"ORIGINAL_DST clusters need lb_policy CLUSTER_PROVIDED, not {EnumName(policy)}");
            return null;
        }

        if (type is not null and not ClusterDiscoveryType.OriginalDst && result == LbPolicy.ClusterProvided)
        {
            context.Error(path, "CLUSTER_PROVIDED is only valid for ORIGINAL_DST clusters");
            return null;
        }

        return result;
    }

    private static bool ConvertTransport(Cluster cluster, string path, ConversionContext context, ref bool ok)
    {
        var requiresTls = false;
        if (cluster.TransportSocketMatches.Count > 0)
        {
            var matchesPath = FieldPath.Field(path, "transport_socket_matches");
            var plaintext = cluster.TransportSocketMatches.FirstOrDefault(m => TransportSocketConverter.IsPlaintext(m.TransportSocket));
            if (plaintext is not null || TransportSocketConverter.IsPlaintext(cluster.TransportSocket))
            {
                // Istio's auto-mTLS: a TLS entry for endpoints labelled tlsMode=istio plus a plaintext one. PERMISSIVE
                // peers accept plaintext; STRICT ones refuse it, which shows as connection failures, not as leaked data.
                context.Warning(
                    matchesPath,
                    $"TLS origination is not supported yet; the plaintext {(plaintext is null ? "cluster transport socket" : $"match '{plaintext.Name}'")} is used for every endpoint");
                return false;
            }

            context.Warning(matchesPath, "TLS origination is not supported yet and no match is plaintext: connections to this cluster fail");
            requiresTls = true;
        }

        if (cluster.TransportSocket is { } socket && cluster.TransportSocketMatches.Count == 0)
        {
            var tls = TransportSocketConverter.RequiresTls(socket, FieldPath.Field(path, "transport_socket"), context, upstream: true);
            ok &= tls is not null;
            requiresTls = tls ?? false;
        }

        return requiresTls;
    }

    private static ClusterConfig ConvertDns(Cluster cluster, ClusterConfig result, string path, ConversionContext context, ref bool ok)
    {
        var assignmentPath = FieldPath.Field(path, "load_assignment");
        var targets = cluster.LoadAssignment is null
            ? []
            : ClusterLoadAssignmentConverter.ConvertDnsTargets(cluster.LoadAssignment, assignmentPath, context);
        ok &= !targets.IsDefault;
        if (!targets.IsDefault && targets.Length == 0)
        {
            context.Error(assignmentPath, "a DNS cluster needs at least one host to resolve");
            ok = false;
        }
        else if (cluster.Type == Cluster.Types.DiscoveryType.LogicalDns && targets.Length > 1)
        {
            context.Error(assignmentPath, "LOGICAL_DNS clusters resolve exactly one host");
            ok = false;
        }

        var refresh = DurationConverter.Convert(
            cluster.DnsRefreshRate, ClusterConfig.DefaultDnsRefreshRate, FieldPath.Field(path, "dns_refresh_rate"), context, allowZero: false);
        if (refresh is not null && refresh < TimeSpan.FromMilliseconds(1))
        {
            context.Error(FieldPath.Field(path, "dns_refresh_rate"), "must be at least 1ms");
            refresh = null;
        }

        ok &= refresh is not null;
        var family = cluster.DnsLookupFamily switch
        {
            Cluster.Types.DnsLookupFamily.V4Only => DnsLookupFamily.V4Only,
            Cluster.Types.DnsLookupFamily.V6Only => DnsLookupFamily.V6Only,
            Cluster.Types.DnsLookupFamily.V4Preferred => DnsLookupFamily.V4Preferred,
            Cluster.Types.DnsLookupFamily.All => DnsLookupFamily.All,
            _ => DnsLookupFamily.Auto,
        };
        return result with
        {
            DnsTargets = targets.IsDefault ? [] : targets,
            DnsRefreshRate = refresh ?? ClusterConfig.DefaultDnsRefreshRate,
            DnsLookupFamily = family,
        };
    }

    private static ClusterConfig ConvertEds(Cluster cluster, ClusterConfig result, string path, ConversionContext context, ref bool ok)
    {
        var edsPath = FieldPath.Field(path, "eds_cluster_config");
        if (cluster.EdsClusterConfig is not { } eds)
        {
            context.Error(edsPath, "EDS clusters need eds_cluster_config with eds_config: {ads: {}}");
            ok = false;
            return result;
        }

        ok &= ConfigSourceConverter.ConvertAds(eds.EdsConfig, FieldPath.Field(edsPath, "eds_config"), context, out var fetchTimeout);
        UnsupportedFields.Warn(eds, edsPath, context, "eds_config", "service_name");
        if (cluster.LoadAssignment is not null)
        {
            context.Warning(FieldPath.Field(path, "load_assignment"), "ignored on an EDS cluster: its endpoints come from EDS");
        }

        return result with
        {
            EdsServiceName = eds.ServiceName.Length > 0 ? eds.ServiceName : cluster.Name,
            EdsInitialFetchTimeout = fetchTimeout,
        };
    }

    // Upstream network filters run on every connection to the hosts; only Istio's metadata exchange is known to observe.
    private static void CheckUpstreamFilters(Cluster cluster, string path, ConversionContext context, ref bool ok)
    {
        var filtersPath = FieldPath.Field(path, "filters");
        for (var i = 0; i < cluster.Filters.Count; i++)
        {
            var filter = cluster.Filters[i];
            var filterPath = FieldPath.Index(filtersPath, i);
            var type = filter.TypedConfig is null ? null : TypedConfig.Resolve(filter.TypedConfig, FieldPath.Field(filterPath, "typed_config"), context);
            if (type?.TypeUrl == FilterTypeUrls.TcpMetadataExchange || (type is null && filter.Name == "istio.metadata_exchange"))
            {
                context.Warning(filterPath, $"upstream filter '{filter.Name}' skipped: Istio metadata exchange only observes (filter policy)");
                continue;
            }

            context.Error(filterPath, $"unsupported upstream network filter '{filter.Name}' ({type?.TypeUrl ?? "no typed_config"})");
            ok = false;
        }
    }

    // The proto spelling (STRICT_DNS), as users write it; read from the schema, not by reflection.
    private static string EnumName(Cluster.Types.DiscoveryType value) => EnumName("type", (int)value);

    private static string EnumName(Cluster.Types.LbPolicy value) => EnumName("lb_policy", (int)value);

    private static string EnumName(string field, int number) =>
        ProtoSchema.Envoy.GetMessage(typeof(Cluster)).FindFieldByName(field)!.EnumType.NameOf(number)
        ?? number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
