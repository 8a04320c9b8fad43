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
}
