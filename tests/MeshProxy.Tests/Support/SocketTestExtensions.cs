using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace MeshProxy.Tests.Support;

internal static class SocketTestExtensions
{
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="total"/> pseudo-random bytes; returns their SHA-256.</summary>
    public static async Task<byte[]> SendPseudoRandomAsync(this Socket socket, ulong seed, long total, int chunk = 64 * 1024)
    {
        var generator = new PseudoRandomBytes(seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[chunk];
        var left = total;
        while (left > 0)
        {
            var n = (int)Math.Min(chunk, left);
            generator.Fill(buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            left -= n;
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Reads to EOF; returns the byte count and SHA-256 of what arrived.</summary>
    public static async Task<(long Count, byte[] Hash)> ReceiveToEndHashedAsync(this Socket socket)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long count = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                return (count, hash.GetHashAndReset());
            }

            hash.AppendData(buffer, 0, n);
            count += n;
        }
    }

    /// <summary>Reads to EOF and returns everything.</summary>
    public static async Task<byte[]> ReceiveToEndAsync(this Socket socket)
    {
        using var stream = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                return stream.ToArray();
            }

            stream.Write(buffer, 0, n);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (throws on early EOF).</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            }

            read += n;
        }

        return buffer;
    }

    /// <summary>How a read ended: EOF, reset, or data (returned count).</summary>
    public static async Task<ReadOutcome> ReadOutcomeAsync(this Socket socket, TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return ReadOutcome.Eof;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return ReadOutcome.Reset;
        }
        catch (OperationCanceledException)
        {
            return ReadOutcome.StillOpen;
        }
    }

    /// <summary>Reads until the end of an HTTP head (CRLF CRLF) or EOF, at most 10 s; what a raw-socket upstream does
    /// before answering.</summary>
    public static async Task ReadRequestHeadAsync(this Socket socket)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (System.Runtime.InteropServices.CollectionsMarshal.AsSpan(received).IndexOf("\r\n\r\n"u8) < 0)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                return;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }
    }

    public static void ResetClose(this Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }
}

internal enum ReadOutcome
{
    Eof,
    Reset,
    StillOpen,
}
