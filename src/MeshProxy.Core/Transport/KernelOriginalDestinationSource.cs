using System.Net;

namespace MeshProxy.Core.Transport;

/// <summary>
/// The original destination from netfilter's conntrack entry: <c>getsockopt(SOL_IP, SO_ORIGINAL_DST)</c> for IPv4,
/// <c>getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST)</c> for IPv6, on the accepted socket of either transport.
/// </summary>
public sealed class KernelOriginalDestinationSource : IOriginalDestinationSource
{
    public static KernelOriginalDestinationSource Instance { get; } = new();

    public IPEndPoint? GetOriginalDestination(TransportConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.QueryOriginalDestination();
    }
}
