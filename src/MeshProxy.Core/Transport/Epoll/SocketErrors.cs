using System.Net.Sockets;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>Maps Linux errno values to <see cref="SocketError"/> so callers see the same exceptions as with runtime sockets.</summary>
internal static class SocketErrors
{
    public static SocketError ToSocketError(int errno) => errno switch
    {
        Native.EAGAIN => SocketError.WouldBlock,
        Native.EINPROGRESS => SocketError.InProgress,
        Native.EINTR => SocketError.Interrupted,
        Native.EACCES => SocketError.AccessDenied,
        Native.EINVAL => SocketError.InvalidArgument,
        Native.ENFILE or Native.EMFILE => SocketError.TooManyOpenSockets,
        Native.EPIPE => SocketError.Shutdown,
        Native.EADDRINUSE => SocketError.AddressAlreadyInUse,
        Native.EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        Native.ENETDOWN => SocketError.NetworkDown,
        Native.ENETUNREACH => SocketError.NetworkUnreachable,
        Native.ECONNABORTED => SocketError.ConnectionAborted,
        Native.ECONNRESET => SocketError.ConnectionReset,
        Native.ENOBUFS => SocketError.NoBufferSpaceAvailable,
        Native.ENOTCONN => SocketError.NotConnected,
        Native.ETIMEDOUT => SocketError.TimedOut,
        Native.ECONNREFUSED => SocketError.ConnectionRefused,
        Native.EHOSTUNREACH => SocketError.HostUnreachable,
        _ => SocketError.SocketError,
    };

    public static SocketException Exception(int errno) => new((int)ToSocketError(errno));

    /// <summary>The error pending reads/writes see after the peer reset the connection.</summary>
    public static IOException Reset() =>
        new("Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset));

    /// <summary>The error pending reads/writes see after <see cref="TransportConnection.Abort"/>.</summary>
    public static IOException Aborted(string reason) =>
        new("Connection aborted: " + reason, new SocketException((int)SocketError.OperationAborted));
}
