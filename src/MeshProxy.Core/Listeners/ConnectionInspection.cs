using System.Net;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// What is known about an accepted connection before a filter chain is picked: addresses from the socket, and what
/// the listener filters found (original destination, transport protocol, SNI, ALPN). Filter-chain matching reads it.
/// A mutable struct held inside the per-connection object, so filling it allocates nothing.
/// </summary>
internal struct ConnectionInspection
{
    public const string RawBuffer = "raw_buffer";
    public const string Tls = "tls";

    public ConnectionInspection(IPEndPoint local, IPEndPoint remote)
    {
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        TransportProtocol = string.Empty;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The directly connected peer (no PROXY protocol yet, so also the source).</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Set by original_dst when the kernel knew a pre-NAT destination.</summary>
    public IPEndPoint? OriginalDestination { get; set; }

    /// <summary><c>tls</c>, <c>raw_buffer</c>, or empty while no filter has decided.</summary>
    public string TransportProtocol { get; set; }

    /// <summary>SNI in lower case, null when none.</summary>
    public string? ServerName { get; set; }

    /// <summary>ALPN values (tls_inspector) or the sniffed protocol (http_inspector), in the client's order.</summary>
    public string[]? ApplicationProtocols { get; set; }

    /// <summary>The address chain matching and the hand-off look at: the original destination when known.</summary>
    public readonly IPEndPoint Destination => OriginalDestination ?? LocalEndPoint;
}
