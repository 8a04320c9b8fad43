using System.Net;
using System.Net.Sockets;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.Core.Transport;

/// <summary>SO_ORIGINAL_DST on a raw socket descriptor (Linux only).</summary>
internal static class OriginalDestinationQuery
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;

    /// <summary>SO_ORIGINAL_DST (linux/netfilter_ipv4.h) and IP6T_SO_ORIGINAL_DST (linux/netfilter_ipv6/ip6_tables.h).</summary>
    private const int SoOriginalDst = 80;

    /// <summary>The pre-NAT destination, or null when the kernel has none: ENOENT without a NAT entry, ENOPROTOOPT
    /// without conntrack. Errors are expected (every connection that was not redirected), so no exception.</summary>
    public static unsafe IPEndPoint? Query(nint fd, AddressFamily family)
    {
        if (!OperatingSystem.IsLinux() || fd < 0)
        {
            return null;
        }

        byte* buffer = stackalloc byte[SocketAddressCodec.MaxSize];
        new Span<byte>(buffer, SocketAddressCodec.MaxSize).Clear();
        uint length = SocketAddressCodec.MaxSize;
        int level = family == AddressFamily.InterNetworkV6 ? SolIpv6 : SolIp;
        if (Native.GetSockOpt((int)fd, level, SoOriginalDst, buffer, &length) != 0)
        {
            return null;
        }

        ushort addressFamily = *(ushort*)buffer;
        return addressFamily is Native.AF_INET or Native.AF_INET6
            ? SocketAddressCodec.Read(new ReadOnlySpan<byte>(buffer, SocketAddressCodec.MaxSize))
            : null;
    }
}
