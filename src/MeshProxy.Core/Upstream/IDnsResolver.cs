using System.Net;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Upstream;

/// <summary>
/// Resolves the names of STRICT_DNS and LOGICAL_DNS clusters. Called from the thread pool, never from an event loop.
/// A failure (name not found, server unreachable) throws; the cluster then keeps its previous hosts.
/// </summary>
internal interface IDnsResolver
{
    /// <summary>The addresses of <paramref name="host"/> allowed by <paramref name="family"/>, in preference order.</summary>
    ValueTask<IPAddress[]> ResolveAsync(string host, DnsLookupFamily family, CancellationToken cancellationToken);
}
