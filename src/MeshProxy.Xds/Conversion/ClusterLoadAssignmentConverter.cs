using System.Collections.Immutable;
using Envoy.Config.Endpoint.V3;
using MeshProxy.Core.Config;
using EnvoyAddress = Envoy.Config.Core.V3.Address;
using EnvoyHealthStatus = Envoy.Config.Core.V3.HealthStatus;
using EnvoySocketAddress = Envoy.Config.Core.V3.SocketAddress;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy <c>ClusterLoadAssignment</c> to MeshProxy endpoints; shared by EDS (<see cref="Convert"/>) and a cluster's
/// inline <c>load_assignment</c> (IP endpoints for STATIC, host names for STRICT_DNS/LOGICAL_DNS).
/// </summary>
public static class ClusterLoadAssignmentConverter
{
    /// <param name="assignment">The proto, as EDS delivers it.</param>
    /// <param name="path">Path of the resource, for example <c>resources[0]</c>.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <returns>The endpoint set, or null when an error was recorded.</returns>
    public static EndpointSetConfig? Convert(ClusterLoadAssignment assignment, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(context);
        var ok = true;
        if (assignment.ClusterName.Length == 0)
        {
            context.Error(FieldPath.Field(path, "cluster_name"), "a cluster name is required");
            ok = false;
        }

        var endpoints = ConvertEndpoints(assignment, path, context);
        var factor = ConvertPolicy(assignment.Policy, FieldPath.Field(path, "policy"), context);
        ok &= !endpoints.IsDefault && factor is not null;
        return ok ? new EndpointSetConfig(assignment.ClusterName, endpoints) { OverprovisioningFactor = factor!.Value } : null;
    }

    /// <summary>IP endpoints (EDS, STATIC); default (IsDefault) when an error was recorded.</summary>
    internal static ImmutableArray<EndpointConfig> ConvertEndpoints(ClusterLoadAssignment assignment, string path, ConversionContext context)
    {
        var result = ImmutableArray.CreateBuilder<EndpointConfig>();
        var ok = Walk(assignment, path, context, (host, hostPath, group) =>
        {
            var address = SocketAddressConverter.Convert(
                host.Endpoint.Address, FieldPath.Field(FieldPath.Field(hostPath, "endpoint"), "address"), context, allowPortZero: false);
            if (address is null)
            {
                return false;
            }

            result.Add(new EndpointConfig(address, host.LoadBalancingWeight ?? 1, ConvertHealth(host.HealthStatus), group.Priority, group.Locality)
            {
                LocalityWeight = group.Weight,
            });
            return true;
        });
        return ok ? result.ToImmutable() : default;
    }

    /// <summary>Host names (or IP literals) for DNS clusters; default (IsDefault) when an error was recorded.</summary>
    internal static ImmutableArray<DnsTargetConfig> ConvertDnsTargets(ClusterLoadAssignment assignment, string path, ConversionContext context)
    {
        var result = ImmutableArray.CreateBuilder<DnsTargetConfig>();
        var ok = Walk(assignment, path, context, (host, hostPath, group) =>
        {
            var target = ConvertHostName(host.Endpoint.Address, FieldPath.Field(FieldPath.Field(hostPath, "endpoint"), "address"), context);
            if (target is null)
            {
                return false;
            }

            result.Add(new DnsTargetConfig(target.Value.Host, target.Value.Port, host.LoadBalancingWeight ?? 1, group.Priority, group.Locality));
            return true;
        });
        return ok ? result.ToImmutable() : default;
    }

    /// <summary>Overprovisioning factor (percent), or null after an error.</summary>
    internal static uint? ConvertPolicy(ClusterLoadAssignment.Types.Policy? policy, string path, ConversionContext context)
    {
        if (policy is null)
        {
            return EndpointSetConfig.DefaultOverprovisioningFactor;
        }

        UnsupportedFields.Warn(policy, path, context, "overprovisioning_factor");
        if (policy.OverprovisioningFactor is 0)
        {
            context.Error(FieldPath.Field(path, "overprovisioning_factor"), "must be greater than 0");
            return null;
        }

        return policy.OverprovisioningFactor ?? EndpointSetConfig.DefaultOverprovisioningFactor;
    }

    private readonly record struct Group(uint Priority, string Locality, uint? Weight);

    // Visits every lb_endpoint with the checks EDS and inline assignments share; false when an error was recorded.
    private static bool Walk(ClusterLoadAssignment assignment, string path, ConversionContext context, Func<LbEndpoint, string, Group, bool> visit)
    {
        var ok = true;
        var groupsPath = FieldPath.Field(path, "endpoints");
        var priorities = new SortedDictionary<uint, int>();
        var withMetadata = 0;
        var firstMetadataPath = string.Empty;
        for (var i = 0; i < assignment.Endpoints.Count; i++)
        {
            var group = assignment.Endpoints[i];
            var groupPath = FieldPath.Index(groupsPath, i);
            priorities.TryAdd(group.Priority, i);
            var locality = group.Locality is null
                ? string.Empty
                : string.Join('/', new[] { group.Locality.Region, group.Locality.Zone, group.Locality.SubZone }.Where(s => s.Length > 0));
            if (group.LoadBalancingWeight is 0)
            {
                context.Error(FieldPath.Field(groupPath, "load_balancing_weight"), "0 is not a valid locality weight (1 or more)");
                ok = false;
            }

            var info = new Group(group.Priority, locality, group.LoadBalancingWeight);
            var hostsPath = FieldPath.Field(groupPath, "lb_endpoints");
            for (var j = 0; j < group.LbEndpoints.Count; j++)
            {
                var host = group.LbEndpoints[j];
                var hostPath = FieldPath.Index(hostsPath, j);
                if (host.HostIdentifierCase != LbEndpoint.HostIdentifierOneofCase.Endpoint)
                {
                    var named = host.HostIdentifierCase == LbEndpoint.HostIdentifierOneofCase.EndpointName;
                    context.Error(
                        FieldPath.Field(hostPath, named ? "endpoint_name" : "endpoint"),
                        named ? "named endpoints are not supported; give the endpoint inline" : "an endpoint is required");
                    ok = false;
                    continue;
                }

                // Envoy: unset means 1; 0 is rejected (validate.rules gte: 1).
                if (host.LoadBalancingWeight is 0)
                {
                    context.Error(FieldPath.Field(hostPath, "load_balancing_weight"), "0 is not a valid weight (1 or more)");
                    ok = false;
                    continue;
                }

                ok &= visit(host, hostPath, info);
                if (host.Metadata is not null)
                {
                    // Istio tags every endpoint (tlsMode, workload); one warning per assignment, not thousands.
                    if (withMetadata++ == 0)
                    {
                        firstMetadataPath = FieldPath.Field(hostPath, "metadata");
                    }
                }

                UnsupportedFields.Warn(host.Endpoint, FieldPath.Field(hostPath, "endpoint"), context, "address");
                UnsupportedFields.Warn(host, hostPath, context, "endpoint", "endpoint_name", "health_status", "load_balancing_weight", "metadata");
            }

            UnsupportedFields.Warn(group, groupPath, context, "locality", "lb_endpoints", "priority", "load_balancing_weight");
        }

        if (withMetadata > 0)
        {
            context.Warning(
                firstMetadataPath,
                $"endpoint metadata ignored on {withMetadata} endpoint(s) (transport socket matching and subset load balancing are not supported yet)");
        }

        // gRPC's xDS client rejects gaps; Envoy keeps the empty levels (they hold no hosts and take no traffic).
        // Accept as Envoy does, so a control plane that skips a level is not NACKed, but say so.
        uint expected = 0;
        foreach (var (priority, index) in priorities)
        {
            if (priority != expected)
            {
                context.Warning(
                    FieldPath.Field(FieldPath.Index(groupsPath, index), "priority"),
                    $"priority {priority} leaves a gap: no locality has priority {expected}; the empty levels take no traffic");
                break;
            }

            expected++;
        }

        UnsupportedFields.Warn(assignment, path, context, "cluster_name", "endpoints", "policy");
        return ok;
    }

    private static (string Host, int Port)? ConvertHostName(EnvoyAddress? address, string path, ConversionContext context)
    {
        if (address is null || address.AddressCase != EnvoyAddress.AddressOneofCase.SocketAddress)
        {
            context.Error(path, "a socket_address is required");
            return null;
        }

        var socket = address.SocketAddress;
        var socketPath = FieldPath.Field(path, "socket_address");
        var ok = true;
        if (socket.Protocol != EnvoySocketAddress.Types.Protocol.Tcp)
        {
            context.Error(FieldPath.Field(socketPath, "protocol"), "UDP is not supported; only TCP");
            ok = false;
        }

        if (socket.ResolverName.Length > 0)
        {
            context.Error(FieldPath.Field(socketPath, "resolver_name"), $"custom resolver '{socket.ResolverName}' is not supported");
            ok = false;
        }

        if (socket.Address.Length == 0)
        {
            context.Error(FieldPath.Field(socketPath, "address"), "a host name or IP address is required");
            ok = false;
        }

        if (socket.PortSpecifierCase != EnvoySocketAddress.PortSpecifierOneofCase.PortValue || socket.PortValue is 0 or > SocketAddressConverter.MaxPort)
        {
            context.Error(
                FieldPath.Field(socketPath, socket.PortSpecifierCase == EnvoySocketAddress.PortSpecifierOneofCase.NamedPort ? "named_port" : "port_value"),
                $"a port_value (1-{SocketAddressConverter.MaxPort}) is required");
            ok = false;
        }

        return ok ? (socket.Address, (int)socket.PortValue) : null;
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
}
