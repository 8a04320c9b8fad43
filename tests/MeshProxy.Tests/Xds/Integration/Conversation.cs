using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Xds.Integration;

/// <summary>
/// One client connection through the proxy to a greeting upstream (<see cref="XdsTestRig.Upstream"/>): it learns which
/// upstream answered from the greeting, then checks that every payload comes back byte-exact.
/// </summary>
internal sealed class Conversation : IDisposable
{
    private readonly Socket _socket;

    private Conversation(Socket socket, string upstream)
    {
        _socket = socket;
        Upstream = upstream;
    }

    /// <summary>The name of the upstream that answered.</summary>
    public string Upstream { get; }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> and reads the upstream's greeting line.</summary>
    public static async Task<Conversation> OpenAsync(int port)
    {
        using var cts = new CancellationTokenSource(XdsTestRig.Bounded);
        var socket = await SocketTestExtensions.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        try
        {
            var name = await ReadLineAsync(socket, cts.Token);
            return new Conversation(socket, name);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="payload"/> and asserts it comes back unchanged.</summary>
    public async Task EchoAsync(byte[] payload)
    {
        using var cts = new CancellationTokenSource(XdsTestRig.Bounded);
        await _socket.SendAsync(payload, SocketFlags.None, cts.Token);
        var received = await _socket.ReceiveExactlyAsync(payload.Length).WaitAsync(cts.Token);
        Assert.Equal(payload, received);
    }

    public Task EchoAsync(string text) => EchoAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Half-closes and expects the upstream's EOF to come through.</summary>
    public async Task FinishAsync()
    {
        _socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(ReadOutcome.Eof, await _socket.ReadOutcomeAsync(XdsTestRig.Bounded));
    }

    public void Dispose() => _socket.Dispose();

    private static async Task<string> ReadLineAsync(Socket socket, CancellationToken ct)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            var n = await socket.ReceiveAsync(one, SocketFlags.None, ct);
            if (n == 0)
            {
                throw new EndOfStreamException($"the connection closed before the upstream's greeting (got '{Encoding.ASCII.GetString([.. line])}')");
            }

            if (one[0] == (byte)'\n')
            {
                return Encoding.ASCII.GetString([.. line]);
            }

            line.Add(one[0]);
        }
    }
}
