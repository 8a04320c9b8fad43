using System.Net;

namespace MeshProxy.Core.Transport;

/// <summary>Creates listening sockets and outgoing connections on a set of event loops.</summary>
public interface ITransport : IAsyncDisposable
{
    /// <summary>Short name for logs and the config dump (<c>sockets</c>, <c>epoll</c>).</summary>
    string Name { get; }

    /// <summary>Event loops, one per core used.</summary>
    IReadOnlyList<IEventLoop> Loops { get; }

    /// <summary>Binds and listens; throws <see cref="System.Net.Sockets.SocketException"/> when the address is taken.</summary>
    IConnectionListener Bind(IPEndPoint endPoint, ConnectionOptions options);

    /// <summary>
    /// Connects to <paramref name="remote"/> on <paramref name="loop"/> (the loop of the downstream connection the
    /// upstream serves). Cancelling <paramref name="cancellationToken"/> (the connect timeout) aborts the attempt.
    /// </summary>
    ValueTask<TransportConnection> ConnectAsync(IPEndPoint remote, IEventLoop loop, ConnectionOptions options, CancellationToken cancellationToken);
}
