using MeshProxy.Core.Transport.Sockets;

namespace MeshProxy.Tests.Network;

public sealed class SocketRuntimeTests
{
    [Fact(Timeout = 10_000)]
    public async Task EnableInlineCompletions_WithThreadCount_SetsBothVariables()
    {
        await Task.Yield();
        var inline = Environment.GetEnvironmentVariable(SocketRuntime.InlineCompletionsVariable);
        var threads = Environment.GetEnvironmentVariable(SocketRuntime.ThreadCountVariable);
        try
        {
            // The engine of this test process has long started, so this changes nothing here but the environment.
            SocketRuntime.EnableInlineCompletions(2);

            Assert.Equal("1", Environment.GetEnvironmentVariable(SocketRuntime.InlineCompletionsVariable));
            Assert.Equal("2", Environment.GetEnvironmentVariable(SocketRuntime.ThreadCountVariable));
            Assert.True(SocketRuntime.InlineCompletionsRequested);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SocketRuntime.InlineCompletionsVariable, inline);
            Environment.SetEnvironmentVariable(SocketRuntime.ThreadCountVariable, threads);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task EnableInlineCompletions_ZeroThreads_Throws()
    {
        await Task.Yield();
        Assert.Throws<ArgumentOutOfRangeException>(() => SocketRuntime.EnableInlineCompletions(0));
    }
}
