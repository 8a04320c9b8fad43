using MeshProxy.Core.Transport.Epoll;
using MeshProxy.Core.Transport.Sockets;

namespace MeshProxy.Core.Transport;

/// <summary>
/// Picks the transport. The default on Linux is <c>epoll</c>: one event loop per core with both sides of a proxied
/// connection on the same loop (measured: about 20% less CPU per request than runtime sockets once there are two
/// loops; README's threading section). Elsewhere, or with <c>--transport sockets</c>, runtime sockets with inline
/// completions.
/// </summary>
public static class TransportFactory
{
    public const string Epoll = "epoll";
    public const string Sockets = "sockets";

    public static string DefaultName => OperatingSystem.IsLinux() ? Epoll : Sockets;

    /// <param name="name"><c>epoll</c>, <c>sockets</c>, or null for <see cref="DefaultName"/>.</param>
    /// <param name="loopCount">Event loops; null = one per core the process may run on.</param>
    public static ITransport Create(string? name, int? loopCount)
    {
        var loops = loopCount ?? Environment.ProcessorCount;
        return (name ?? DefaultName) switch
        {
            Epoll => new EpollTransport(loops),
            Sockets => new SocketTransport(loops),
            var other => throw new ArgumentException($"unknown transport '{other}'; expected {Epoll} or {Sockets}", nameof(name)),
        };
    }
}
