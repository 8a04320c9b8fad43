using System.Runtime.InteropServices;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// libc entry points and Linux constants the epoll transport uses. Signatures are blittable; errors come back as
/// <c>-errno</c> from the small wrappers so callers never read a stale thread-local error.
/// </summary>
/// <remarks>
/// <see cref="SuppressGCTransitionAttribute"/> is only on calls that cannot block: read/send/sendmsg on non-blocking
/// sockets, epoll_ctl and getsockopt/setsockopt. epoll_wait, accept, connect and close keep the GC transition.
/// </remarks>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETDOWN = 100;
    public const int ENETUNREACH = 101;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EINPROGRESS = 115;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;

    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;

    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_STREAM = 1;
    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_ERROR = 4;
    public const int SO_LINGER = 13;
    public const int SO_REUSEPORT = 15;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_V6ONLY = 26;
    public const int SHUT_WR = 1;
    public const int MSG_NOSIGNAL = 0x4000;

    /// <summary>struct epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EpollEventDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* IoVectors;
        public nuint IoVectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Linger
    {
        public int OnOff;
        public int Seconds;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    [SuppressGCTransition]
    private static partial int EpollCtlCore(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initval, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    [SuppressGCTransition]
    private static partial nint ReadCore(int fd, byte* buf, nuint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    [SuppressGCTransition]
    private static partial nint WriteCore(int fd, byte* buf, nuint count);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    [SuppressGCTransition]
    private static partial nint SendCore(int fd, byte* buf, nuint count, int flags);

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    [SuppressGCTransition]
    private static partial nint SendMsgCore(int fd, MessageHeader* msg, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport(Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte* addr, uint addrLen);

    [LibraryImport(Libc, EntryPoint = "listen", SetLastError = true)]
    public static partial int Listen(int fd, int backlog);

    [LibraryImport(Libc, EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, byte* addr, uint* addrLen, int flags);

    [LibraryImport(Libc, EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* addr, uint addrLen);

    [LibraryImport(Libc, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, byte* addr, uint* addrLen);

    [LibraryImport(Libc, EntryPoint = "getsockopt", SetLastError = true)]
    [SuppressGCTransition]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* len);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    [SuppressGCTransition]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint len);

    /// <summary>epoll_ctl with <paramref name="data"/> as the event's 64-bit user data; returns 0 or -errno.</summary>
    public static int EpollCtl(int epfd, int op, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EpollEventDataOffset) = data;
        return EpollCtlCore(epfd, op, fd, ev) == 0 ? 0 : -Errno;
    }

    /// <summary>read(2); returns bytes read, 0 at end of stream, or -errno.</summary>
    public static nint Read(int fd, byte* buffer, int count)
    {
        nint n = ReadCore(fd, buffer, (nuint)count);
        return n >= 0 ? n : -Errno;
    }

    /// <summary>write(2) for non-socket fds (eventfd); returns bytes written or -errno.</summary>
    public static nint Write(int fd, byte* buffer, int count)
    {
        nint n = WriteCore(fd, buffer, (nuint)count);
        return n >= 0 ? n : -Errno;
    }

    /// <summary>send(2) without SIGPIPE; returns bytes sent or -errno.</summary>
    public static nint Send(int fd, byte* buffer, int count)
    {
        nint n = SendCore(fd, buffer, (nuint)count, MSG_NOSIGNAL);
        return n >= 0 ? n : -Errno;
    }

    /// <summary>Gathering send (writev semantics) without SIGPIPE; returns bytes sent or -errno.</summary>
    public static nint SendVector(int fd, IoVector* vectors, int count)
    {
        MessageHeader header = default;
        header.IoVectors = vectors;
        header.IoVectorCount = (nuint)count;
        nint n = SendMsgCore(fd, &header, MSG_NOSIGNAL);
        return n >= 0 ? n : -Errno;
    }

    public static int SetInt(int fd, int level, int name, int value) =>
        SetSockOpt(fd, level, name, &value, sizeof(int)) == 0 ? 0 : -Errno;

    /// <summary>SO_LINGER {1, 0}: the next close sends RST instead of FIN.</summary>
    public static void SetLingerZero(int fd)
    {
        Linger linger = new() { OnOff = 1, Seconds = 0 };
        _ = SetSockOpt(fd, SOL_SOCKET, SO_LINGER, &linger, (uint)sizeof(Linger));
    }

    /// <summary>Pending socket error (SO_ERROR), 0 when none.</summary>
    public static int GetSocketError(int fd)
    {
        int value = 0;
        uint len = sizeof(int);
        return GetSockOpt(fd, SOL_SOCKET, SO_ERROR, &value, &len) == 0 ? value : Errno;
    }
}
