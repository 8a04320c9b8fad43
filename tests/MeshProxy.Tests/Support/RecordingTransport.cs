using System.Collections.Concurrent;
using System.Net;
using MeshProxy.Core.Transport;

namespace MeshProxy.Tests.Support;

/// <summary>Wraps a transport and remembers every connection it made, so tests can measure inside the proxy.</summary>
internal sealed class RecordingTransport : ITransport
{
    private readonly ITransport _inner;

    public RecordingTransport(ITransport inner) => _inner = inner;

    public ConcurrentQueue<TransportConnection> Accepted { get; } = new();

    public ConcurrentQueue<TransportConnection> Connected { get; } = new();

    public string Name => _inner.Name;

    public IReadOnlyList<IEventLoop> Loops => _inner.Loops;

    public IConnectionListener Bind(IPEndPoint endPoint, ConnectionOptions options) =>
        new RecordingListener(_inner.Bind(endPoint, options), Accepted);

    public async ValueTask<TransportConnection> ConnectAsync(IPEndPoint remote, IEventLoop loop, ConnectionOptions options, CancellationToken cancellationToken)
    {
        var connection = await _inner.ConnectAsync(remote, loop, options, cancellationToken);
        Connected.Enqueue(connection);
        return connection;
    }

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    private sealed class RecordingListener(IConnectionListener inner, ConcurrentQueue<TransportConnection> accepted) : IConnectionListener
    {
        public IPEndPoint EndPoint => inner.EndPoint;

        public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var connection = await inner.AcceptAsync(cancellationToken);
            if (connection is not null)
            {
                accepted.Enqueue(connection);
            }

            return connection;
        }

        public ValueTask UnbindAsync() => inner.UnbindAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
