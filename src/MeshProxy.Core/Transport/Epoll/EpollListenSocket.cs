using System.Net;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// One SO_REUSEPORT listening socket, registered (edge-triggered) on one loop: accepted connections are registered
/// on that same loop, started, and handed to the <see cref="EpollListener"/>'s queue.
/// </summary>
internal sealed unsafe class EpollListenSocket(EpollLoop loop, int fd, EpollListener listener, ConnectionOptions options) : IEpollHandle
{
    private bool _closed;

    public ulong Token { get; set; }

    public EpollLoop Loop => loop;

    public void OnEvents(uint events)
    {
        byte* address = stackalloc byte[SocketAddressCodec.MaxSize];
        while (!_closed)
        {
            uint length = SocketAddressCodec.MaxSize;
            int accepted = Native.Accept4(fd, address, &length, Native.O_NONBLOCK | Native.O_CLOEXEC);
            if (accepted < 0)
            {
                int errno = Native.Errno;
                if (errno is Native.EINTR or Native.ECONNABORTED)
                {
                    continue;
                }

                // EAGAIN: drained. EMFILE/ENFILE/ENOBUFS: the connection stays queued until the next arrival.
                return;
            }

            IPEndPoint remote = SocketAddressCodec.Read(new ReadOnlySpan<byte>(address, SocketAddressCodec.MaxSize));
            EpollConnection? connection = EpollConnection.Accepted(loop, accepted, remote, options);
            if (connection is not null && !listener.Offer(connection))
            {
                connection.Abort("listener stopped");
            }
        }
    }

    public void OnLoopStopped() => Close();

    /// <summary>Loop thread only.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        loop.Release(this);
        _ = Native.Close(fd);
    }
}
