namespace MeshProxy.Core.Network;

/// <summary>
/// A terminal network filter's handler for one connection (tcp_proxy, a connection manager). It owns the connection's
/// pipes until <see cref="RunAsync"/> completes; the listener then closes the connection.
/// </summary>
public interface INetworkFilter
{
    /// <summary>Serves the connection to its end. Expected failures (upstream down, resets) are handled inside, not thrown.</summary>
    ValueTask RunAsync(ConnectionContext context);
}
