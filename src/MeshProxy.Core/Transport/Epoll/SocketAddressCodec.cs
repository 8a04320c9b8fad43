using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>Reads and writes Linux sockaddr_in / sockaddr_in6 (family in host order, port in network order).</summary>
internal static class SocketAddressCodec
{
    /// <summary>Large enough for sockaddr_in6 (28) and sockaddr_in (16).</summary>
    public const int MaxSize = 28;

    public static int Write(IPEndPoint endPoint, Span<byte> buffer)
    {
        buffer[..MaxSize].Clear();
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            MemoryMarshal.Write(buffer, (ushort)Native.AF_INET);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)endPoint.Port);
            endPoint.Address.TryWriteBytes(buffer.Slice(4, 4), out _);
            return 16;
        }

        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            MemoryMarshal.Write(buffer, (ushort)Native.AF_INET6);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)endPoint.Port);
            endPoint.Address.TryWriteBytes(buffer.Slice(8, 16), out _);
            MemoryMarshal.Write(buffer[24..], (uint)endPoint.Address.ScopeId);
            return 28;
        }

        throw new NotSupportedException($"Address family {endPoint.AddressFamily} is not supported.");
    }

    public static IPEndPoint Read(ReadOnlySpan<byte> buffer)
    {
        ushort family = MemoryMarshal.Read<ushort>(buffer);
        int port = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (family == Native.AF_INET)
        {
            return new IPEndPoint(new IPAddress(buffer.Slice(4, 4)), port);
        }

        if (family == Native.AF_INET6)
        {
            uint scope = MemoryMarshal.Read<uint>(buffer[24..]);
            return new IPEndPoint(new IPAddress(buffer.Slice(8, 16), scope), port);
        }

        throw new NotSupportedException($"Socket address family {family} is not supported.");
    }

    public static unsafe IPEndPoint GetLocal(int fd)
    {
        byte* buffer = stackalloc byte[MaxSize];
        uint length = MaxSize;
        if (Native.GetSockName(fd, buffer, &length) != 0)
        {
            throw SocketErrors.Exception(Native.Errno);
        }

        return Read(new ReadOnlySpan<byte>(buffer, MaxSize));
    }
}
