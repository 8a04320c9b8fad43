using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace MeshProxy.Tests.Listeners;

/// <summary>Real ClientHellos: what SslStream sends first, captured by a loopback socket that never answers.</summary>
internal static class ClientHellos
{
    public static async Task<byte[]> CaptureAsync(string targetHost, params string[] alpn)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        await using var ssl = new SslStream(new NetworkStream(client, ownsSocket: false));
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            ApplicationProtocols = alpn.Length == 0 ? null : alpn.Select(static p => new SslApplicationProtocol(p)).ToList(),
        };
        var handshake = ssl.AuthenticateAsClientAsync(options);

        // The first record header gives the record length; a ClientHello fits one record.
        var header = await ReceiveExactlyAsync(server, 5);
        var body = await ReceiveExactlyAsync(server, BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3)));
        server.Close();
        client.Close();
        try
        {
            await handshake.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or ObjectDisposedException or SocketException)
        {
            // Expected: nobody answers the hello.
        }

        return [.. header, .. body];
    }

    /// <summary>The same handshake message re-framed into TLS records of at most <paramref name="recordSize"/> bytes.</summary>
    public static byte[] Refragment(byte[] hello, int recordSize)
    {
        var message = hello.AsSpan(5);
        var output = new List<byte>();
        for (var offset = 0; offset < message.Length; offset += recordSize)
        {
            var length = Math.Min(recordSize, message.Length - offset);
            output.AddRange([hello[0], hello[1], hello[2], (byte)(length >> 8), (byte)length]);
            output.AddRange(message.Slice(offset, length).ToArray());
        }

        return [.. output];
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            read += n;
        }

        return buffer;
    }
}
