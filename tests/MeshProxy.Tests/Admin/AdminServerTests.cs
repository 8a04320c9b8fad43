using System.Net;
using System.Net.Sockets;
using MeshProxy.Admin;
using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Transport.Sockets;
using Serilog.Core;

namespace MeshProxy.Tests.Admin;

public sealed class AdminServerTests
{
    [Fact]
    public async Task Start_PortAlreadyServed_FailsNamingAddress()
    {
        await using var runtime = new ProxyRuntime(new SocketTransport(1), Logger.None);
        var levels = new LoggingLevelSwitch();
        using var first = AdminServer.Start(new AdminConfig(new SocketAddressConfig(IPAddress.Loopback, 0)), runtime, levels, () => "{}", Logger.None);

        var second = Assert.Throws<InvalidOperationException>(() =>
            AdminServer.Start(new AdminConfig(new SocketAddressConfig(IPAddress.Loopback, first.EndPoint.Port)), runtime, levels, () => "{}", Logger.None));

        Assert.Contains($"admin.address 127.0.0.1:{first.EndPoint.Port}", second.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(second.InnerException);
    }
}
