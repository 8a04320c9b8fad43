using System.Net;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;
using MeshProxy.Core.Transport.Sockets;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Transport;

public sealed class OriginalDestinationTests
{
    [Theory(Timeout = 10_000)]
    [InlineData(TransportFactory.Epoll)]
    [InlineData(TransportFactory.Sockets)]
    public async Task KernelSource_ConnectionNotRedirected_ReturnsNullWithoutThrowing(string transportName)
    {
        // Tests cannot install iptables rules; without a NAT entry getsockopt(SO_ORIGINAL_DST) fails (ENOENT or
        // ENOPROTOOPT) and the listener must fall back to the local address.
        await using ITransport transport = transportName == TransportFactory.Epoll ? new EpollTransport(1) : new SocketTransport(1);
        await using var listener = transport.Bind(new IPEndPoint(IPAddress.Loopback, 0), ConnectionOptions.Default);
        using var client = await SocketTestExtensions.ConnectAsync(listener.EndPoint);
        var accepted = await listener.AcceptAsync();
        Assert.NotNull(accepted);
        await using (accepted)
        {
            var destination = await OnLoopAsync(accepted, () => KernelOriginalDestinationSource.Instance.GetOriginalDestination(accepted));

            Assert.Null(destination);
        }
    }

    private static Task<T> OnLoopAsync<T>(TransportConnection connection, Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Loop.Schedule(_ => done.SetResult(work()), null);
        return done.Task;
    }
}
