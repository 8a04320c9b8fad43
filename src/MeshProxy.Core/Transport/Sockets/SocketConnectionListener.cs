using System.Net;
using System.Net.Sockets;

namespace MeshProxy.Core.Transport.Sockets;

internal sealed class SocketConnectionListener : IConnectionListener
{
    private readonly SocketTransport _transport;
    private readonly Socket _socket;
    private readonly ConnectionOptions _options;
    private int _unbound;

    public SocketConnectionListener(SocketTransport transport, Socket socket, ConnectionOptions options)
    {
        _transport = transport;
        _socket = socket;
        _options = options;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted || Volatile.Read(ref _unbound) != 0)
            {
                return null;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // The peer gave up before we accepted; take the next one.
                continue;
            }

            accepted.NoDelay = true;
            return SocketConnection.Start(accepted, _transport.NextLoop(), _options, _transport.WaitForData);
        }
    }

    public ValueTask UnbindAsync()
    {
        if (Interlocked.Exchange(ref _unbound, 1) == 0)
        {
            _socket.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => UnbindAsync();
}
