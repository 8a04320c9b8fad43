using System.Net;
using System.Net.Sockets;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// Transport on our own Linux epoll loops: one thread per loop, every connection owned by one loop, an upstream
/// opened with <see cref="ConnectAsync"/> registered on the loop of the downstream it serves. Pipe continuations run
/// on the loop, so a proxied byte never crosses threads (ARCHITECTURE.md rule 6).
/// </summary>
public sealed class EpollTransport : ITransport
{
    private readonly EpollLoop[] _loops;
    private readonly PinnedBlockMemoryPool[] _pools;
    private readonly List<EpollListener> _listeners = [];
    private bool _disposed;

    /// <summary>Starts <paramref name="loopCount"/> loops (usually one per core).</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    public EpollTransport(int loopCount)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The epoll transport runs on Linux only; use the sockets transport.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(loopCount, 1);
        _loops = new EpollLoop[loopCount];
        _pools = new PinnedBlockMemoryPool[loopCount];
        for (int i = 0; i < loopCount; i++)
        {
            _pools[i] = new PinnedBlockMemoryPool();
            _loops[i] = new EpollLoop(i, _pools[i]);
            _loops[i].Start();
        }
    }

    public string Name => "epoll";

    public IReadOnlyList<IEventLoop> Loops => _loops;

    public IConnectionListener Bind(IPEndPoint endPoint, ConnectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        lock (_listeners)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // SO_REUSEPORT would let a second listener of ours share the port silently; the contract says "taken".
            if (endPoint.Port != 0 && _listeners.Exists(l => l.EndPoint.Port == endPoint.Port
                && (l.EndPoint.Address.Equals(endPoint.Address) || IsAny(l.EndPoint.Address) || IsAny(endPoint.Address))
                && l.EndPoint.AddressFamily == endPoint.AddressFamily))
            {
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }

            EpollListener listener = EpollListener.Bind(this, _loops, endPoint, options);
            _listeners.Add(listener);
            return listener;
        }
    }

    public ValueTask<TransportConnection> ConnectAsync(IPEndPoint remote, IEventLoop loop, ConnectionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(options);
        if (loop is not EpollLoop epollLoop || Array.IndexOf(_loops, epollLoop) < 0)
        {
            throw new ArgumentException("The loop must be one of this transport's loops.", nameof(loop));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        return EpollConnection.ConnectAsync(epollLoop, remote, options, cancellationToken);
    }

    /// <summary>Unbinds every listener, stops the loops (joining their threads) and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        EpollListener[] listeners;
        lock (_listeners)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            listeners = [.. _listeners];
        }

        foreach (EpollListener listener in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        foreach (EpollLoop loop in _loops)
        {
            loop.Stop();
        }

        foreach (PinnedBlockMemoryPool pool in _pools)
        {
            pool.Dispose();
        }
    }

    internal void Forget(EpollListener listener)
    {
        lock (_listeners)
        {
            _listeners.Remove(listener);
        }
    }

    private static bool IsAny(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
