using System.Collections.Immutable;
using Envoy.Config.Listener.V3;
using MeshProxy.Core.Config;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// A listener filter (<c>original_dst</c>, <c>tls_inspector</c>, <c>http_inspector</c>) to <see cref="ListenerFilterConfig"/>,
/// chosen by type URL. Listener filters have no <c>is_optional</c>, and every one of them feeds filter-chain matching,
/// so an unknown one is an error.
/// </summary>
public static class ListenerFilterConverter
{
    /// <returns>The filter, or null when an error was recorded.</returns>
    public static ListenerFilterConfig? Convert(ListenerFilter filter, string path, ConversionContext context)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(context);
        if (filter.Name.Length == 0)
        {
            context.Error(FieldPath.Field(path, "name"), "a filter name is required");
            return null;
        }

        if (filter.ConfigTypeCase == ListenerFilter.ConfigTypeOneofCase.ConfigDiscovery)
        {
            context.Error(FieldPath.Field(path, "config_discovery"), "filter config discovery (ECDS) is not supported");
            return null;
        }

        // Without typed_config Envoy falls back to the name (deprecated); Istio always sets typed_config.
        var typeUrl = filter.TypedConfig?.TypeUrl ?? string.Empty;
        ListenerFilterKind? kind = typeUrl switch
        {
            FilterTypeUrls.OriginalDst => ListenerFilterKind.OriginalDst,
            FilterTypeUrls.TlsInspector => ListenerFilterKind.TlsInspector,
            FilterTypeUrls.HttpInspector => ListenerFilterKind.HttpInspector,
            "" => filter.Name switch
            {
                "envoy.filters.listener.original_dst" => ListenerFilterKind.OriginalDst,
                "envoy.filters.listener.tls_inspector" => ListenerFilterKind.TlsInspector,
                "envoy.filters.listener.http_inspector" => ListenerFilterKind.HttpInspector,
                _ => null,
            },
            _ => null,
        };
        if (kind is null)
        {
            context.Error(
                path,
                $"unsupported listener filter '{filter.Name}' ({(typeUrl.Length == 0 ? "no typed_config" : typeUrl)}); "
                + "supported: original_dst, tls_inspector, http_inspector");
            return null;
        }

        var ok = true;
        if (kind == ListenerFilterKind.TlsInspector && filter.TypedConfig is { } tls
            && TypedConfig.Unpack<Envoy.Extensions.Filters.Listener.TlsInspector.V3.TlsInspector>(tls, FieldPath.Field(path, "typed_config"), context) is { } inspector)
        {
            UnsupportedFields.Warn(inspector, FieldPath.Field(path, "typed_config"), context);
        }

        var disabled = ImmutableArray<PortRange>.Empty;
        if (filter.FilterDisabled is { } predicate)
        {
            var disabledPath = FieldPath.Field(path, "filter_disabled");
            var builder = ImmutableArray.CreateBuilder<PortRange>();
            if (CollectPorts(predicate, disabledPath, context, builder, ref ok, allowOr: true))
            {
                disabled = builder.ToImmutable();
            }
            else if (ok)
            {
                context.Warning(
                    disabledPath,
                    "only destination_port_range, an or_match of them, or any_match is supported; the filter runs on every connection");
            }
        }

        UnsupportedFields.Warn(filter, path, context, "name", "typed_config", "filter_disabled");
        return ok ? new ListenerFilterConfig(filter.Name, kind.Value) { DisabledForDestinationPorts = disabled } : null;
    }

    // True when the predicate is made only of port ranges (or_match of them, or any_match); false to fall back.
    private static bool CollectPorts(
        ListenerFilterChainMatchPredicate predicate, string path, ConversionContext context, ImmutableArray<PortRange>.Builder into, ref bool ok, bool allowOr)
    {
        switch (predicate.RuleCase)
        {
            case ListenerFilterChainMatchPredicate.RuleOneofCase.DestinationPortRange:
                var range = predicate.DestinationPortRange;
                if (range.Start < 0 || range.End > SocketAddressConverter.MaxPort + 1 || range.End < range.Start)
                {
                    context.Error(FieldPath.Field(path, "destination_port_range"), $"[{range.Start}, {range.End}) is not a port range");
                    ok = false;
                    return false;
                }

                into.Add(new PortRange(range.Start, range.End));
                return true;
            case ListenerFilterChainMatchPredicate.RuleOneofCase.AnyMatch when predicate.AnyMatch:
                into.Add(new PortRange(0, SocketAddressConverter.MaxPort + 1));
                return true;
            case ListenerFilterChainMatchPredicate.RuleOneofCase.OrMatch when allowOr:
                var rulesPath = FieldPath.Field(FieldPath.Field(path, "or_match"), "rules");
                for (var i = 0; i < predicate.OrMatch.Rules.Count; i++)
                {
                    if (!CollectPorts(predicate.OrMatch.Rules[i], FieldPath.Index(rulesPath, i), context, into, ref ok, allowOr: true))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }
}
