using System.Net;
using System.Net.Sockets;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// <see cref="Dns.GetHostAddressesAsync(string, AddressFamily, CancellationToken)"/> with Envoy's
/// <c>dns_lookup_family</c> rules: AUTO prefers IPv6 and falls back to IPv4, V4_PREFERRED the other way round, ALL keeps
/// both. An IP literal resolves to itself.
/// </summary>
internal sealed class SystemDnsResolver : IDnsResolver
{
    public static SystemDnsResolver Instance { get; } = new();

    public async ValueTask<IPAddress[]> ResolveAsync(string host, DnsLookupFamily family, CancellationToken cancellationToken)
    {
        switch (family)
        {
            case DnsLookupFamily.V4Only:
                return await Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false);
            case DnsLookupFamily.V6Only:
                return await Dns.GetHostAddressesAsync(host, AddressFamily.InterNetworkV6, cancellationToken).ConfigureAwait(false);
        }

        var all = await Dns.GetHostAddressesAsync(host, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false);
        return family switch
        {
            DnsLookupFamily.All => all,
            DnsLookupFamily.V4Preferred => Prefer(all, AddressFamily.InterNetwork),
            _ => Prefer(all, AddressFamily.InterNetworkV6),
        };
    }

    /// <summary>The addresses of <paramref name="preferred"/> when there are any, else all the others.</summary>
    internal static IPAddress[] Prefer(IPAddress[] addresses, AddressFamily preferred)
    {
        var matching = Array.FindAll(addresses, a => a.AddressFamily == preferred);
        return matching.Length > 0 ? matching : addresses;
    }
}
