using MeshProxy.Core.Config;
using MeshProxy.Core.Transport;

namespace MeshProxy.Core.Network;

/// <summary>One accepted downstream connection and the configuration it was accepted with.</summary>
public sealed class ConnectionContext
{
    public ConnectionContext(long id, TransportConnection connection, ListenerConfig listener, FilterChainConfig filterChain)
    {
        Id = id;
        Connection = connection;
        Listener = listener;
        FilterChain = filterChain;
    }

    /// <summary>Process-wide connection number, for logs.</summary>
    public long Id { get; }

    public TransportConnection Connection { get; }

    /// <summary>The listener snapshot the connection was accepted with; later config changes do not alter it.</summary>
    public ListenerConfig Listener { get; }

    /// <summary>The filter chain chosen for the connection.</summary>
    public FilterChainConfig FilterChain { get; }

    /// <summary>The destination before iptables REDIRECT (original_dst listener filter), null when not known.</summary>
    public System.Net.IPEndPoint? OriginalDestination { get; init; }

    /// <summary>
    /// Cancelled when the listener version that accepted the connection starts draining (the listener changed or
    /// was removed). Connection managers watch it to end the connection gracefully (HTTP/1.1 <c>Connection: close</c>,
    /// HTTP/2 GOAWAY); whatever is still open after the drain time is closed by the listener. Callbacks registered on
    /// it run on the thread that applies the config: keep them short and schedule onto the connection's loop.
    /// </summary>
    public CancellationToken DrainToken { get; init; }
}
