using System.Collections.Immutable;
using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using MeshProxy.Core.Config;
using EnvoyHealthStatus = Envoy.Config.Core.V3.HealthStatus;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy <c>Cluster</c> (with its inline <c>load_assignment</c>) to <see cref="ClusterConfig"/>; shared by
/// bootstrap and CDS. Only STATIC clusters are accepted today.
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
        var ok = true;
        if (cluster.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a cluster name is required");
            ok = false;
        }

        ok &= ConvertType(cluster, path, context);

        var connectTimeout = DurationConverter.Convert(
            cluster.ConnectTimeout, ClusterConfig.DefaultConnectTimeout, FieldPath.Field(path, "connect_timeout"), context, allowZero: false);
        ok &= connectTimeout is not null;

        var lbPolicy = ConvertLbPolicy(cluster.LbPolicy, FieldPath.Field(path, "lb_policy"), context);
        ok &= lbPolicy is not null;

        if (cluster.TransportSocket is not null)
        {
            // Sending plaintext where TLS was asked for would be worse than refusing to start.
            context.Error(FieldPath.Field(path, "transport_socket"), "transport sockets (TLS) are not supported yet");
            ok = false;
        }

        var endpoints = ConvertLoadAssignment(cluster.LoadAssignment, FieldPath.Field(path, "load_assignment"), context);
        ok &= !endpoints.IsDefault;

        UnsupportedFields.Warn(
            cluster, path, context,
            "name", "type", "cluster_type", "connect_timeout", "lb_policy", "load_assignment", "transport_socket", "per_connection_buffer_limit_bytes");
        if (!ok)
        {
            return null;
        }

        return new ClusterConfig(
            cluster.Name,
            ClusterDiscoveryType.Static,
            connectTimeout!.Value,
            lbPolicy!.Value,
            endpoints,
            cluster.PerConnectionBufferLimitBytes ?? ListenerConfig.DefaultPerConnectionBufferLimitBytes);
    }

    private static bool ConvertType(Cluster cluster, string path, ConversionContext context)
    {
        if (cluster.ClusterDiscoveryTypeCase == Cluster.ClusterDiscoveryTypeOneofCase.ClusterType)
        {
            context.Error(
                FieldPath.Field(path, "cluster_type"),
                $"custom cluster type '{cluster.ClusterType.Name}' is not supported in static bootstrap yet; only STATIC is");
            return false;
        }

        // Unset means STATIC (the enum's zero value), as in Envoy.
        if (cluster.Type == Cluster.Types.DiscoveryType.Static)
        {
            return true;
        }

        context.Error(
            FieldPath.Field(path, "type"),
            $"cluster type {EnumName(cluster.Type)} is not supported in static bootstrap yet; only STATIC is");
        return false;
    }

    private static LbPolicy? ConvertLbPolicy(Cluster.Types.LbPolicy policy, string path, ConversionContext context)
    {
        LbPolicy? result = policy switch
        {
            Cluster.Types.LbPolicy.RoundRobin => LbPolicy.RoundRobin,
            Cluster.Types.LbPolicy.LeastRequest => LbPolicy.LeastRequest,
            Cluster.Types.LbPolicy.Random => LbPolicy.Random,
            Cluster.Types.LbPolicy.RingHash => LbPolicy.RingHash,
            Cluster.Types.LbPolicy.Maglev => LbPolicy.Maglev,
            _ => null,
        };
        if (result is null)
        {
            context.Error(path, $"lb_policy {EnumName(policy)} is not supported");
        }
        else if (result != LbPolicy.RoundRobin)
        {
            context.Warning(path, $"lb_policy {EnumName(policy)} is accepted but only ROUND_ROBIN is implemented yet; hosts are picked round-robin");
        }

        return result;
    }

    // Returns default (IsDefault) when an error was recorded.
    private static ImmutableArray<EndpointConfig> ConvertLoadAssignment(ClusterLoadAssignment? assignment, string path, ConversionContext context)
    {
        if (assignment is null)
        {
            return [];
        }

        var ok = true;
        var result = ImmutableArray.CreateBuilder<EndpointConfig>();
        var groupsPath = FieldPath.Field(path, "endpoints");
        for (var i = 0; i < assignment.Endpoints.Count; i++)
        {
            var group = assignment.Endpoints[i];
            var groupPath = FieldPath.Index(groupsPath, i);
            var locality = group.Locality is null
                ? string.Empty
                : string.Join('/', new[] { group.Locality.Region, group.Locality.Zone, group.Locality.SubZone }.Where(s => s.Length > 0));
            var hostsPath = FieldPath.Field(groupPath, "lb_endpoints");
            for (var j = 0; j < group.LbEndpoints.Count; j++)
            {
                var endpoint = ConvertEndpoint(group.LbEndpoints[j], FieldPath.Index(hostsPath, j), group.Priority, locality, context);
                if (endpoint is null)
                {
                    ok = false;
                }
                else
                {
                    result.Add(endpoint);
                }
            }

            UnsupportedFields.Warn(group, groupPath, context, "locality", "lb_endpoints", "priority");
        }

        UnsupportedFields.Warn(assignment, path, context, "cluster_name", "endpoints");
        return ok ? result.ToImmutable() : default;
    }

    private static EndpointConfig? ConvertEndpoint(LbEndpoint host, string path, uint priority, string locality, ConversionContext context)
    {
        if (host.HostIdentifierCase != LbEndpoint.HostIdentifierOneofCase.Endpoint)
        {
            context.Error(
                FieldPath.Field(path, host.HostIdentifierCase == LbEndpoint.HostIdentifierOneofCase.EndpointName ? "endpoint_name" : "endpoint"),
                host.HostIdentifierCase == LbEndpoint.HostIdentifierOneofCase.EndpointName
                    ? "named endpoints are not supported; give the endpoint inline"
                    : "an endpoint is required");
            return null;
        }

        var ok = true;
        var endpointPath = FieldPath.Field(path, "endpoint");
        var address = SocketAddressConverter.Convert(
            host.Endpoint.Address, FieldPath.Field(endpointPath, "address"), context, allowPortZero: false);
        ok &= address is not null;

        // Envoy: unset means 1; 0 is rejected (validate.rules gte: 1).
        var weight = host.LoadBalancingWeight ?? 1;
        if (weight == 0)
        {
            context.Error(FieldPath.Field(path, "load_balancing_weight"), "0 is not a valid weight (1 or more)");
            ok = false;
        }

        UnsupportedFields.Warn(host.Endpoint, endpointPath, context, "address");
        UnsupportedFields.Warn(host, path, context, "endpoint", "endpoint_name", "health_status", "load_balancing_weight");
        return ok ? new EndpointConfig(address!, weight, ConvertHealth(host.HealthStatus), priority, locality) : null;
    }

    private static EndpointHealth ConvertHealth(EnvoyHealthStatus status) => status switch
    {
        EnvoyHealthStatus.Healthy => EndpointHealth.Healthy,
        EnvoyHealthStatus.Unhealthy => EndpointHealth.Unhealthy,
        EnvoyHealthStatus.Draining => EndpointHealth.Draining,
        EnvoyHealthStatus.Timeout => EndpointHealth.Timeout,
        EnvoyHealthStatus.Degraded => EndpointHealth.Degraded,
        _ => EndpointHealth.Unknown,
    };

    // The proto spelling (STRICT_DNS), as users write it; read from the descriptor, not by reflection.
    private static string EnumName(Cluster.Types.DiscoveryType value) => EnumName("type", (int)value);

    private static string EnumName(Cluster.Types.LbPolicy value) => EnumName("lb_policy", (int)value);

    private static string EnumName(string field, int number) =>
        Cluster.Descriptor.FindFieldByName(field).EnumType.FindValueByNumber(number)?.Name
        ?? number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
