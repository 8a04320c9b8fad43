using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Envoy.Config.Listener.V3;
using Google.Protobuf.Collections;
using MeshProxy.Core.Config;
using EnvoyCidrRange = Envoy.Config.Core.V3.CidrRange;

namespace MeshProxy.Xds.Conversion;

/// <summary>Envoy's <c>FilterChainMatch</c> to <see cref="FilterChainMatchConfig"/>.</summary>
internal static class FilterChainMatchConverter
{
    public static FilterChainMatchConfig? Convert(FilterChainMatch? match, string path, ConversionContext context)
    {
        if (match is null)
        {
            return FilterChainMatchConfig.Any;
        }

        var ok = true;
        int? destinationPort = null;
        if (match.DestinationPort is { } port)
        {
            if (port is 0 or > SocketAddressConverter.MaxPort)
            {
                context.Error(FieldPath.Field(path, "destination_port"), $"{port} is not a valid port (1-{SocketAddressConverter.MaxPort})");
                ok = false;
            }

            destinationPort = (int)port;
        }

        var prefixes = ConvertRanges(match.PrefixRanges, FieldPath.Field(path, "prefix_ranges"), context, ref ok);
        var direct = ConvertRanges(match.DirectSourcePrefixRanges, FieldPath.Field(path, "direct_source_prefix_ranges"), context, ref ok);
        var sources = ConvertRanges(match.SourcePrefixRanges, FieldPath.Field(path, "source_prefix_ranges"), context, ref ok);

        var sourcePorts = ImmutableArray.CreateBuilder<int>(match.SourcePorts.Count);
        for (var i = 0; i < match.SourcePorts.Count; i++)
        {
            var sourcePort = match.SourcePorts[i];
            if (sourcePort is 0 or > SocketAddressConverter.MaxPort)
            {
                context.Error(FieldPath.Index(FieldPath.Field(path, "source_ports"), i), $"{sourcePort} is not a valid port (1-{SocketAddressConverter.MaxPort})");
                ok = false;
            }

            sourcePorts.Add((int)sourcePort);
        }

        var sourceType = match.SourceType switch
        {
            FilterChainMatch.Types.ConnectionSourceType.SameIpOrLoopback => ConnectionSourceType.SameIpOrLoopback,
            FilterChainMatch.Types.ConnectionSourceType.External => ConnectionSourceType.External,
            _ => ConnectionSourceType.Any,
        };

        var serverNames = ImmutableArray.CreateBuilder<string>(match.ServerNames.Count);
        for (var i = 0; i < match.ServerNames.Count; i++)
        {
            var name = match.ServerNames[i].ToLowerInvariant();
            if (name.Length == 0 || name.IndexOf('*', 1) >= 0 || (name[0] == '*' && !name.StartsWith("*.", StringComparison.Ordinal)))
            {
                context.Error(
                    FieldPath.Index(FieldPath.Field(path, "server_names"), i),
                    $"'{match.ServerNames[i]}' is not a server name or a '*.suffix' wildcard");
                ok = false;
            }

            serverNames.Add(name);
        }

        UnsupportedFields.Warn(
            match, path, context,
            "destination_port", "prefix_ranges", "direct_source_prefix_ranges", "source_type", "source_prefix_ranges", "source_ports",
            "server_names", "transport_protocol", "application_protocols");
        if (!ok)
        {
            return null;
        }

        return new FilterChainMatchConfig
        {
            DestinationPort = destinationPort,
            PrefixRanges = prefixes,
            DirectSourcePrefixRanges = direct,
            SourceType = sourceType,
            SourcePrefixRanges = sources,
            SourcePorts = sourcePorts.ToImmutable(),
            ServerNames = serverNames.ToImmutable(),
            TransportProtocol = match.TransportProtocol,
            ApplicationProtocols = [.. match.ApplicationProtocols],
        };
    }

    /// <summary>
    /// A canonical text of the match (lists sorted), equal for two matches that accept the same connections by the
    /// same rules; Envoy refuses a listener with two such chains.
    /// </summary>
    public static string Key(FilterChainMatchConfig match)
    {
        var key = new StringBuilder();
        key.Append(match.DestinationPort?.ToString(CultureInfo.InvariantCulture)).Append('|');
        Append(key, match.PrefixRanges.Select(r => r.ToString()));
        Append(key, match.DirectSourcePrefixRanges.Select(r => r.ToString()));
        key.Append((int)match.SourceType).Append('|');
        Append(key, match.SourcePrefixRanges.Select(r => r.ToString()));
        Append(key, match.SourcePorts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        Append(key, match.ServerNames);
        key.Append(match.TransportProtocol).Append('|');
        Append(key, match.ApplicationProtocols);
        return key.ToString();

        static void Append(StringBuilder key, IEnumerable<string> values) =>
            key.AppendJoin(',', values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)).Append('|');
    }

    private static ImmutableArray<CidrRange> ConvertRanges(RepeatedField<EnvoyCidrRange> ranges, string path, ConversionContext context, ref bool ok)
    {
        var result = ImmutableArray.CreateBuilder<CidrRange>(ranges.Count);
        for (var i = 0; i < ranges.Count; i++)
        {
            var range = ConvertRange(ranges[i], FieldPath.Index(path, i), context);
            if (range is null)
            {
                ok = false;
            }
            else
            {
                result.Add(range.Value);
            }
        }

        return result.ToImmutable();
    }

    public static CidrRange? ConvertRange(EnvoyCidrRange range, string path, ConversionContext context)
    {
        if (!IPAddress.TryParse(range.AddressPrefix, out var address)
            || (address.AddressFamily == AddressFamily.InterNetwork && range.AddressPrefix.Count(c => c == '.') != 3))
        {
            context.Error(FieldPath.Field(path, "address_prefix"), $"'{range.AddressPrefix}' is not an IPv4 or IPv6 address");
            return null;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var length = range.PrefixLen ?? 0;
        if (length > bits)
        {
            context.Error(FieldPath.Field(path, "prefix_len"), $"{length} is longer than the address ({bits} bits)");
            return null;
        }

        return new CidrRange(address, (int)length);
    }
}
