using System.Net;

namespace MeshProxy.Core.Transport;

/// <summary>A bound, listening socket (or one per loop with SO_REUSEPORT).</summary>
public interface IConnectionListener : IAsyncDisposable
{
    /// <summary>The bound address; the port is the real one when 0 was asked for.</summary>
    IPEndPoint EndPoint { get; }

    /// <summary>Next accepted connection, or null once the listener is stopped.</summary>
    ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops accepting; connections already accepted are not touched.</summary>
    ValueTask UnbindAsync();

    /// <summary>
    /// Hands every connection accepted from now on (and any already waiting) to <paramref name="onAccepted"/>, called
    /// on the thread that accepted it (its event loop), instead of queueing it for <see cref="AcceptAsync"/>: no
    /// thread hop per connection. False when the transport does not support it; then use <see cref="AcceptAsync"/>.
    /// The handler must not throw and must not block.
    /// </summary>
    bool TrySetAcceptHandler(Action<TransportConnection> onAccepted) => false;
}
