using System.Net;

namespace MeshProxy.Core.Config;

/// <summary>An IP address and TCP port (Envoy's <c>socket_address</c> with protocol TCP).</summary>
public sealed record SocketAddressConfig(IPAddress Address, int Port)
{
    public IPEndPoint ToEndPoint() => new(Address, Port);

    /// <summary>Envoy's spelling in stat names and dumps: <c>127.0.0.1:10000</c>, <c>[::1]:10000</c>.</summary>
    public override string ToString() => ToEndPoint().ToString();
}
