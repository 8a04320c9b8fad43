using System.Buffers;
using MeshProxy.Core.Config;
using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Listeners.Filters;

/// <summary>
/// <c>envoy.filters.listener.tls_inspector</c>: peeks the ClientHello for SNI and ALPN and sets the transport protocol
/// to <c>tls</c>; a connection that does not start with a TLS handshake record is <c>raw_buffer</c> at its first byte.
/// A ClientHello over 64 KiB closes the connection. Stats as Envoy's: <c>tls_inspector.*</c>.
/// </summary>
internal sealed class TlsInspectorListenerFilter : ListenerFilter
{
    private readonly Counter _tlsFound;
    private readonly Counter _tlsNotFound;
    private readonly Counter _sniFound;
    private readonly Counter _sniNotFound;
    private readonly Counter _alpnFound;
    private readonly Counter _alpnNotFound;
    private readonly Counter _clientHelloTooLarge;

    public TlsInspectorListenerFilter(ListenerFilterConfig config, StatsStore stats)
        : base(config)
    {
        _tlsFound = stats.GetCounter("tls_inspector.tls_found");
        _tlsNotFound = stats.GetCounter("tls_inspector.tls_not_found");
        _sniFound = stats.GetCounter("tls_inspector.sni_found");
        _sniNotFound = stats.GetCounter("tls_inspector.sni_not_found");
        _alpnFound = stats.GetCounter("tls_inspector.alpn_found");
        _alpnNotFound = stats.GetCounter("tls_inspector.alpn_not_found");
        _clientHelloTooLarge = stats.GetCounter("tls_inspector.client_hello_too_large");
    }

    public override bool InspectsData => true;

    public override ListenerFilterStatus OnData(in ReadOnlySequence<byte> data, bool endOfStream, ref ConnectionInspection inspection)
    {
        switch (TlsClientHelloParser.TryParse(data, out var serverName, out var protocols))
        {
            case TlsClientHelloStatus.ClientHello:
                _tlsFound.Increment();
                (serverName is null ? _sniNotFound : _sniFound).Increment();
                (protocols is null ? _alpnNotFound : _alpnFound).Increment();
                inspection.TransportProtocol = ConnectionInspection.Tls;
                inspection.ServerName = serverName;
                inspection.ApplicationProtocols = protocols;
                return ListenerFilterStatus.Continue;
            case TlsClientHelloStatus.TooLarge:
                _clientHelloTooLarge.Increment();
                return ListenerFilterStatus.Close;
            case TlsClientHelloStatus.NeedMoreData when !endOfStream:
                return ListenerFilterStatus.NeedMoreData;
            default:
                // Not TLS, or the peer closed in the middle of what could have been a ClientHello.
                _tlsNotFound.Increment();
                inspection.TransportProtocol = ConnectionInspection.RawBuffer;
                return ListenerFilterStatus.Continue;
        }
    }
}
