using System.Net;
using System.Net.Sockets;
using MeshProxy.Core.Config;
using EnvoyAddress = Envoy.Config.Core.V3.Address;
using EnvoySocketAddress = Envoy.Config.Core.V3.SocketAddress;

namespace MeshProxy.Xds.Conversion;

/// <summary>Envoy's <c>Address</c> (TCP <c>socket_address</c> with an IP literal) to <see cref="SocketAddressConfig"/>.</summary>
public static class SocketAddressConverter
{
    public const int MaxPort = 65535;

    /// <param name="address">The proto; null records "required".</param>
    /// <param name="path">Path of the <c>address</c> field itself.</param>
    /// <param name="context">Where errors go.</param>
    /// <param name="allowPortZero">True for listeners (0 = any free port), false for upstream hosts.</param>
    /// <returns>The address, or null when an error was recorded.</returns>
    public static SocketAddressConfig? Convert(EnvoyAddress? address, string path, ConversionContext context, bool allowPortZero)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (address is null || address.AddressCase == EnvoyAddress.AddressOneofCase.None)
        {
            context.Error(path, "an address is required");
            return null;
        }

        switch (address.AddressCase)
        {
            case EnvoyAddress.AddressOneofCase.Pipe:
                context.Error(FieldPath.Field(path, "pipe"), "unix domain socket (pipe) addresses are not supported; use socket_address");
                return null;
            case EnvoyAddress.AddressOneofCase.EnvoyInternalAddress:
                context.Error(FieldPath.Field(path, "envoy_internal_address"), "internal addresses are not supported; use socket_address");
                return null;
        }

        return Convert(address.SocketAddress, FieldPath.Field(path, "socket_address"), context, allowPortZero);
    }

    private static SocketAddressConfig? Convert(EnvoySocketAddress socket, string path, ConversionContext context, bool allowPortZero)
    {
        var ok = true;
        if (socket.Protocol != EnvoySocketAddress.Types.Protocol.Tcp)
        {
            context.Error(FieldPath.Field(path, "protocol"), "UDP is not supported; only TCP");
            ok = false;
        }

        if (socket.ResolverName.Length > 0)
        {
            context.Error(FieldPath.Field(path, "resolver_name"), $"custom resolver '{socket.ResolverName}' is not supported");
            ok = false;
        }

        var port = 0;
        switch (socket.PortSpecifierCase)
        {
            case EnvoySocketAddress.PortSpecifierOneofCase.NamedPort:
                context.Error(FieldPath.Field(path, "named_port"), $"named port '{socket.NamedPort}' is not supported; use port_value");
                ok = false;
                break;
            case EnvoySocketAddress.PortSpecifierOneofCase.PortValue when socket.PortValue > MaxPort:
                context.Error(FieldPath.Field(path, "port_value"), $"{socket.PortValue} is not a valid port (0-{MaxPort})");
                ok = false;
                break;
            default:
                port = (int)socket.PortValue;
                if (port == 0 && !allowPortZero)
                {
                    context.Error(FieldPath.Field(path, "port_value"), "a port (1-65535) is required for an upstream host");
                    ok = false;
                }

                break;
        }

        var ip = ParseIp(socket.Address);
        if (ip is null)
        {
            context.Error(
                FieldPath.Field(path, "address"),
                socket.Address.Length == 0
                    ? "an IP address is required"
                    : $"'{socket.Address}' is not an IPv4 or IPv6 literal (host names need DNS cluster types, not supported yet)");
            ok = false;
        }

        return ok ? new SocketAddressConfig(ip!, port) : null;
    }

    // IPAddress.TryParse also takes "1" or "127.1" (inet_aton forms); Envoy uses inet_pton, which does not.
    private static IPAddress? ParseIp(string text)
    {
        if (!IPAddress.TryParse(text, out var ip))
        {
            return null;
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
        {
            return null;
        }

        return ip;
    }
}
