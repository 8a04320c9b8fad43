using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;
using Xunit.Abstractions;

namespace MeshProxy.Tests.Network;

/// <summary>The tcp_proxy suite over <see cref="EpollTransport"/> with two loops.</summary>
public sealed class EpollTransportTcpProxyTests(ITestOutputHelper output) : TcpProxyTransportTests(output)
{
    protected override ITransport CreateTransport() => new EpollTransport(2);
}
