using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.Tests.Http.ConnectionManager;

public sealed class EpollHttpConnectionManagerTests : HttpConnectionManagerTests
{
    protected override ITransport CreateTransport(int loops) => new EpollTransport(loops);
}
