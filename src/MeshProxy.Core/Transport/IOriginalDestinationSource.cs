using System.Net;

namespace MeshProxy.Core.Transport;

/// <summary>
/// Where the original_dst listener filter learns a connection's destination before iptables REDIRECT. The default,
/// <see cref="KernelOriginalDestinationSource"/>, asks the kernel (SO_ORIGINAL_DST); tests replace it because they
/// cannot install NAT rules.
/// </summary>
public interface IOriginalDestinationSource
{
    /// <summary>The destination the client connected to before NAT, or null when there is none (no REDIRECT
    /// rule applied to the connection, or not Linux): the listener then uses the local address.</summary>
    IPEndPoint? GetOriginalDestination(TransportConnection connection);
}
