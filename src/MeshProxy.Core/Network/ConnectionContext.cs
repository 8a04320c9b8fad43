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
}
