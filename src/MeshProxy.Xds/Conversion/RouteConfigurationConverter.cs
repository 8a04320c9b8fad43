using System.Collections.Immutable;
using Envoy.Config.Route.V3;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy <c>RouteConfiguration</c> to <see cref="RouteTableConfig"/>; shared by RDS and an HCM's inline
/// <c>route_config</c>. Regexes are compiled here, so the router only runs them.
/// </summary>
public static class RouteConfigurationConverter
{
    /// <param name="routes">The proto.</param>
    /// <param name="path">Path of the route configuration (<c>route_configs[0]</c>, or <c>...typed_config.route_config</c>).</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <returns>The table, or null when an error was recorded.</returns>
    public static RouteTableConfig? Convert(RouteConfiguration routes, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(context);
        var ok = true;
        var hostsPath = FieldPath.Field(path, "virtual_hosts");
        var hosts = ImmutableArray.CreateBuilder<VirtualHostConfig>(routes.VirtualHosts.Count);
        var domains = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < routes.VirtualHosts.Count; i++)
        {
            var host = ConvertVirtualHost(routes.VirtualHosts[i], FieldPath.Index(hostsPath, i), i, domains, hostsPath, context);
            ok &= host is not null;
            if (host is not null)
            {
                hosts.Add(host);
            }
        }

        if (routes.Vhds is not null)
        {
            context.Error(FieldPath.Field(path, "vhds"), "on-demand virtual hosts (VHDS) are not supported");
            ok = false;
        }

        var headers = HeaderMutationConverter.Convert(
            routes.RequestHeadersToAdd, routes.RequestHeadersToRemove, routes.ResponseHeadersToAdd, routes.ResponseHeadersToRemove, path, context);
        ok &= headers is not null;
        ok &= PerFilterConfigChecker.Check(routes.TypedPerFilterConfig, FieldPath.Field(path, "typed_per_filter_config"), context);

        // validate_clusters: false (what Istio sends) is what MeshProxy does anyway: a route naming an unknown cluster
        // answers 503 at request time.
        var handledValidate = routes.ValidateClusters is null or false ? "validate_clusters" : string.Empty;
        UnsupportedFields.Warn(
            routes, path, context,
            "name", "virtual_hosts", "vhds", "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add",
            "response_headers_to_remove", "typed_per_filter_config", "ignore_port_in_host_matching", "most_specific_header_mutations_wins",
            handledValidate);
        if (!ok)
        {
            return null;
        }

        return new RouteTableConfig(routes.Name, hosts.ToImmutable())
        {
            Headers = headers!,
            IgnorePortInHostMatching = routes.IgnorePortInHostMatching,
            MostSpecificHeaderMutationsWins = routes.MostSpecificHeaderMutationsWins,
        };
    }

    private static VirtualHostConfig? ConvertVirtualHost(
        VirtualHost host, string path, int index, Dictionary<string, int> seen, string hostsPath, ConversionContext context)
    {
        var ok = true;
        if (host.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a virtual host name is required");
            ok = false;
        }

        var domainsPath = FieldPath.Field(path, "domains");
        var domains = ImmutableArray.CreateBuilder<string>(host.Domains.Count);
        if (host.Domains.Count == 0)
        {
            context.Error(domainsPath, "at least one domain is required");
            ok = false;
        }

        for (var i = 0; i < host.Domains.Count; i++)
        {
            var domain = host.Domains[i].ToLowerInvariant();
            var domainPath = FieldPath.Index(domainsPath, i);
            if (domain.Length == 0)
            {
                context.Error(domainPath, "a domain must not be empty");
                ok = false;
            }
            else if (!seen.TryAdd(domain, index))
            {
                // Envoy refuses both: one authority must select one virtual host.
                context.Error(
                    domainPath,
                    domain == "*"
                        ? $"only one virtual host may have the '*' domain (also {FieldPath.Index(hostsPath, seen[domain])})"
                        : $"duplicate domain '{domain}' (also in {FieldPath.Index(hostsPath, seen[domain])})");
                ok = false;
            }
            else
            {
                domains.Add(domain);
            }
        }

        if (host.RequireTls != VirtualHost.Types.TlsRequirementType.None)
        {
            context.Error(FieldPath.Field(path, "require_tls"), "require_tls is not supported: MeshProxy does not terminate TLS yet");
            ok = false;
        }

        if (host.Matcher is not null)
        {
            context.Error(FieldPath.Field(path, "matcher"), "the generic matcher tree is not supported; use routes");
            ok = false;
        }

        var routesPath = FieldPath.Field(path, "routes");
        var routes = ImmutableArray.CreateBuilder<RouteEntryConfig>(host.Routes.Count);
        for (var i = 0; i < host.Routes.Count; i++)
        {
            var route = ConvertRoute(host.Routes[i], FieldPath.Index(routesPath, i), context);
            ok &= route is not null;
            if (route is not null)
            {
                routes.Add(route);
            }
        }

        RetryPolicyConfig? retry = null;
        if (host.RetryPolicy is not null)
        {
            retry = RouteActionConverter.ConvertRetryPolicy(host.RetryPolicy, FieldPath.Field(path, "retry_policy"), context);
            ok &= retry is not null;
        }

        var headers = HeaderMutationConverter.Convert(
            host.RequestHeadersToAdd, host.RequestHeadersToRemove, host.ResponseHeadersToAdd, host.ResponseHeadersToRemove, path, context);
        ok &= headers is not null;
        ok &= PerFilterConfigChecker.Check(host.TypedPerFilterConfig, FieldPath.Field(path, "typed_per_filter_config"), context);
        UnsupportedFields.Warn(
            host, path, context,
            "name", "domains", "routes", "matcher", "require_tls", "request_headers_to_add", "request_headers_to_remove",
            "response_headers_to_add", "response_headers_to_remove", "typed_per_filter_config", "retry_policy");
        return ok
            ? new VirtualHostConfig(host.Name, domains.ToImmutable()) { Routes = routes.ToImmutable(), Headers = headers!, RetryPolicy = retry }
            : null;
    }

    private static RouteEntryConfig? ConvertRoute(Route route, string path, ConversionContext context)
    {
        var match = RouteMatchConverter.Convert(route.Match, FieldPath.Field(path, "match"), context);
        var ok = match is not null;
        RouteActionConfig? action = null;
        switch (route.ActionCase)
        {
            case Route.ActionOneofCase.Route_:
                action = RouteActionConverter.ConvertForward(route.Route_, FieldPath.Field(path, "route"), context);
                break;
            case Route.ActionOneofCase.Redirect:
                action = RouteActionConverter.ConvertRedirect(route.Redirect, FieldPath.Field(path, "redirect"), context);
                break;
            case Route.ActionOneofCase.DirectResponse:
                action = RouteActionConverter.ConvertDirectResponse(route.DirectResponse, FieldPath.Field(path, "direct_response"), context);
                break;
            case Route.ActionOneofCase.FilterAction:
                context.Error(FieldPath.Field(path, "filter_action"), "filter actions are not supported");
                break;
            case Route.ActionOneofCase.NonForwardingAction:
                context.Error(FieldPath.Field(path, "non_forwarding_action"), "non-forwarding actions are not supported");
                break;
            default:
                context.Error(path, "a route needs an action (route, redirect or direct_response)");
                break;
        }

        ok &= action is not null;
        var headers = HeaderMutationConverter.Convert(
            route.RequestHeadersToAdd, route.RequestHeadersToRemove, route.ResponseHeadersToAdd, route.ResponseHeadersToRemove, path, context);
        ok &= headers is not null;
        ok &= PerFilterConfigChecker.Check(route.TypedPerFilterConfig, FieldPath.Field(path, "typed_per_filter_config"), context);
        UnsupportedFields.Warn(
            route, path, context,
            "name", "match", "route", "redirect", "direct_response", "filter_action", "non_forwarding_action", "request_headers_to_add",
            "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove", "typed_per_filter_config");
        return ok ? new RouteEntryConfig(route.Name, match!, action!) { Headers = headers! } : null;
    }
}
