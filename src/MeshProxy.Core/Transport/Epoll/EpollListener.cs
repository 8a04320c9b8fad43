using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// A listening address served by one SO_REUSEPORT socket per loop. The kernel spreads incoming connections over the
/// sockets (by 4-tuple hash), each loop accepts on its own socket, so an accepted connection already lives on the loop
/// that accepted it and no accept wakes more than one thread. <see cref="AcceptAsync"/> hands out connections from
/// all loops in arrival order.
/// </summary>
internal sealed class EpollListener : IConnectionListener
{
    private const int Backlog = 512;

    private readonly Channel<TransportConnection> _accepted = Channel.CreateUnbounded<TransportConnection>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false, AllowSynchronousContinuations = false });

    private readonly EpollTransport _transport;
    private volatile Action<TransportConnection>? _onAccepted;
    private readonly List<EpollListenSocket> _sockets = [];
    private int _unbound;

    private EpollListener(EpollTransport transport, IPEndPoint endPoint)
    {
        _transport = transport;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; private set; }

    public static EpollListener Bind(EpollTransport transport, IReadOnlyList<EpollLoop> loops, IPEndPoint endPoint, ConnectionOptions options)
    {
        var listener = new EpollListener(transport, endPoint);
        var fds = new List<int>(loops.Count);
        try
        {
            IPEndPoint bound = endPoint;
            for (int i = 0; i < loops.Count; i++)
            {
                int fd = CreateListenSocket(bound);
                fds.Add(fd);
                if (i == 0)
                {
                    bound = SocketAddressCodec.GetLocal(fd);
                    listener.EndPoint = bound;
                }
            }

            for (int i = 0; i < loops.Count; i++)
            {
                var socket = new EpollListenSocket(loops[i], fds[i], listener, options);
                int rc = loops[i].Register(socket, fds[i], Native.EPOLLIN | Native.EPOLLET);
                if (rc < 0)
                {
                    throw SocketErrors.Exception(-rc);
                }

                listener._sockets.Add(socket);
                fds[i] = -1;
            }
        }
        catch
        {
            foreach (int fd in fds)
            {
                if (fd >= 0)
                {
                    _ = Native.Close(fd);
                }
            }

            listener.CloseSockets().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return listener;
    }

    public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ChannelReader<TransportConnection> reader = _accepted.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.TryRead(out TransportConnection? connection))
            {
                return connection;
            }
        }

        return null;
    }

    public async ValueTask UnbindAsync()
    {
        if (Interlocked.Exchange(ref _unbound, 1) != 0)
        {
            return;
        }

        await CloseSockets().ConfigureAwait(false);
        _accepted.Writer.TryComplete();
        _transport.Forget(this);
    }

    /// <summary>Unbinds and aborts connections accepted but never taken by <see cref="AcceptAsync"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        while (_accepted.Reader.TryRead(out TransportConnection? connection))
        {
            connection.Abort("listener disposed");
        }
    }

    public bool TrySetAcceptHandler(Action<TransportConnection> onAccepted)
    {
        ArgumentNullException.ThrowIfNull(onAccepted);
        _onAccepted = onAccepted;
        while (_accepted.Reader.TryRead(out TransportConnection? waiting))
        {
            onAccepted(waiting);
        }

        return true;
    }

    /// <summary>Loop thread: a connection the loop's socket accepted. False once the listener is unbound.</summary>
    internal bool Offer(TransportConnection connection)
    {
        if (_onAccepted is { } onAccepted)
        {
            if (Volatile.Read(ref _unbound) != 0)
            {
                return false;
            }

            onAccepted(connection);
            return true;
        }

        return _accepted.Writer.TryWrite(connection);
    }

    private ValueTask CloseSockets()
    {
        if (_sockets.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var pending = new Task[_sockets.Count];
        for (int i = 0; i < _sockets.Count; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[i] = done.Task;
            EpollListenSocket socket = _sockets[i];
            socket.Loop.Enqueue(static s =>
            {
                var (listenSocket, completion) = ((EpollListenSocket, TaskCompletionSource))s!;
                listenSocket.Close();
                completion.TrySetResult();
            }, (socket, done));
        }

        return new ValueTask(Task.WhenAll(pending));
    }

    private static unsafe int CreateListenSocket(IPEndPoint endPoint)
    {
        bool v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        int fd = Native.Socket(v6 ? Native.AF_INET6 : Native.AF_INET, Native.SOCK_STREAM | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw SocketErrors.Exception(Native.Errno);
        }

        _ = Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_REUSEADDR, 1);
        _ = Native.SetInt(fd, Native.SOL_SOCKET, Native.SO_REUSEPORT, 1);
        if (v6)
        {
            _ = Native.SetInt(fd, Native.IPPROTO_IPV6, Native.IPV6_V6ONLY, 1);
        }

        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        int length = SocketAddressCodec.Write(endPoint, new Span<byte>(address, SocketAddressCodec.MaxSize));
        if (Native.Bind(fd, address, (uint)length) != 0 || Native.Listen(fd, Backlog) != 0)
        {
            int errno = Native.Errno;
            _ = Native.Close(fd);
            throw SocketErrors.Exception(errno);
        }

        return fd;
    }
}
