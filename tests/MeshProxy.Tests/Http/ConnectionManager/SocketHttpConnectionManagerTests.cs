using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Sockets;

namespace MeshProxy.Tests.Http.ConnectionManager;

public sealed class SocketHttpConnectionManagerTests : HttpConnectionManagerTests
{
    protected override ITransport CreateTransport(int loops) => new SocketTransport(loops);
}
