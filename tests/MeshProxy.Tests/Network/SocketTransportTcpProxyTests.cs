using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Sockets;
using Xunit.Abstractions;

namespace MeshProxy.Tests.Network;

/// <summary>The tcp_proxy suite over <see cref="SocketTransport"/>.</summary>
public sealed class SocketTransportTcpProxyTests(ITestOutputHelper output) : TcpProxyTransportTests(output)
{
    protected override ITransport CreateTransport() => new SocketTransport();
}
