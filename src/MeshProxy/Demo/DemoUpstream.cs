using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MeshProxy.Demo;

/// <summary>
/// The demo's built-in upstream on loopback: answers an HTTP request with a short text response naming itself (so
/// curl works through the TCP proxy and shows where the HTTP router sent it) and echoes anything else line by line
/// (so nc works).
/// </summary>
internal sealed class DemoUpstream : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly string _name;

    private DemoUpstream(Socket listener, string name)
    {
        _listener = listener;
        _name = name;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public static DemoUpstream Start(string name)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(128);
        return new DemoUpstream(listener, name);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var buffer = new byte[8192];
            var pending = new StringBuilder();
            try
            {
                while (true)
                {
                    var read = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    pending.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    var text = pending.ToString();
                    if (LooksLikeHttp(text))
                    {
                        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end < 0)
                        {
                            continue;
                        }

                        pending.Remove(0, end + 4);
                        var body = $"hello from {_name}\n";
                        var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}";
                        await client.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                        continue;
                    }

                    var newline = text.LastIndexOf('\n');
                    if (newline >= 0)
                    {
                        var lines = text[..(newline + 1)];
                        pending.Remove(0, newline + 1);
                        await client.SendAsync(Encoding.UTF8.GetBytes($"{_name} echoes: {lines}"), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the demo is stopping.
            }
        }
    }

    private static bool LooksLikeHttp(string text) =>
        text.StartsWith("GET ", StringComparison.Ordinal) || text.StartsWith("POST ", StringComparison.Ordinal) ||
        text.StartsWith("HEAD ", StringComparison.Ordinal) || text.StartsWith("PUT ", StringComparison.Ordinal);
}
