using System.Net.Sockets;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;
using static MeshProxy.Tests.Transport.Epoll.EpollTestHelpers;

namespace MeshProxy.Tests.Transport.Epoll;

/// <summary>How an epoll connection ends when the application and the transport stop it at the same time.</summary>
public sealed class EpollConnectionLifetimeTests
{
    [Fact]
    public async Task Abort_ThenOutputCompletedWithAnError_BothQueuedOnTheLoop_ConnectionStillCloses()
    {
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var accept = listener.AcceptAsync().AsTask();
        using Socket client = await ConnectClientAsync(listener.EndPoint);
        TransportConnection connection = (await accept.WaitAsync(TestTimeout))!;

        // Hold the loop so the abort and the send loop's wake-up (which will find Output completed with an error)
        // run back to back, in that order: the send loop then sees the error while already stopping.
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Loop.Schedule(_ =>
        {
            holding.SetResult();
            release.Wait();
        }, null);
        await holding.Task.WaitAsync(TestTimeout);
        connection.Abort("test");
        await connection.Output.CompleteAsync(new InvalidOperationException("the application failed"));
        release.Set();

        await connection.Closed.WaitAsync(TestTimeout);
        Assert.True(connection.WasReset);
    }
}
