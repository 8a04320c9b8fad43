using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MeshProxy.LoadGen.Tcp;

/// <summary>Opens many connections, proves each works with one echoed byte, then holds them idle and reports the
/// proxy's resident memory per connection.</summary>
internal static class IdleClient
{
    public static async Task RunAsync(IPEndPoint target, int connections, int pid, TimeSpan hold)
    {
        var before = ResidentBytes(pid);
        var sockets = new List<Socket>(connections);
        try
        {
            var one = new byte[1];
            for (var i = 0; i < connections; i++)
            {
                var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                sockets.Add(socket);
                await socket.ConnectAsync(target);
                await socket.SendAsync(one, SocketFlags.None);
                if (await socket.ReceiveAsync(one, SocketFlags.None) != 1)
                {
                    throw new IOException("connection closed early");
                }
            }

            await Task.Delay(hold);
            var after = ResidentBytes(pid);
            Console.WriteLine($"{connections} idle proxied connections: proxy RSS {before / 1048576.0:F1} -> {after / 1048576.0:F1} MiB, " +
                              $"{(after - before) / (double)connections / 1024:F1} KiB per connection (both sides)");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
