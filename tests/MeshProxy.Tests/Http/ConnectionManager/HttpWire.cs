using System.Net.Sockets;
using System.Text;

namespace MeshProxy.Tests.Http.ConnectionManager;

/// <summary>A minimal HTTP/1.1 reader/writer over a socket for tests: heads as text, bodies by Content-Length or chunked.</summary>
#pragma warning disable CA1001 // A MemoryStream holds no unmanaged resource; test wires are dropped with their sockets.
internal sealed class HttpWire
#pragma warning restore CA1001
{
    private readonly Socket _socket;
    private readonly byte[] _read = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();

    public HttpWire(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>The next head (start line and fields); null at EOF before any byte.</summary>
    public async Task<HttpMessage?> ReadHeadAsync()
    {
        while (true)
        {
            var data = _pending.ToArray();
            var end = IndexOf(data, "\r\n\r\n"u8);
            if (end >= 0)
            {
                Consume(end + 4);
                var lines = Encoding.Latin1.GetString(data, 0, end).Split("\r\n");
                var message = new HttpMessage(lines[0]);
                foreach (var line in lines.Skip(1))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    message.Headers.Add((line[..colon].ToLowerInvariant(), line[(colon + 1)..].Trim()));
                }

                return message;
            }

            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    /// <summary>A whole response: head and body (none for HEAD, 1xx, 204, 304; to EOF without framing).</summary>
    public async Task<HttpMessage> ReadResponseAsync(bool head = false)
    {
        var message = await ReadHeadAsync() ?? throw new EndOfStreamException("no response");
        if (head || message.Status is < 200 or 204 or 304)
        {
            return message;
        }

        await ReadBodyAsync(message, toEof: true);
        return message;
    }

    /// <summary>A whole request: head and body.</summary>
    public async Task<HttpMessage?> ReadRequestAsync()
    {
        var message = await ReadHeadAsync();
        if (message is not null)
        {
            await ReadBodyAsync(message, toEof: false);
        }

        return message;
    }

    public async Task ReadBodyAsync(HttpMessage message, bool toEof)
    {
        var body = new MemoryStream();
        if (message.Header("transfer-encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var line = await ReadLineAsync();
                var size = Convert.ToInt32(line.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    while ((await ReadLineAsync()).Length > 0)
                    {
                    }

                    break;
                }

                body.Write(await ReadExactlyAsync(size));
                await ReadLineAsync();
            }
        }
        else if (message.Header("content-length") is { } cl)
        {
            body.Write(await ReadExactlyAsync(int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture)));
        }
        else if (toEof)
        {
            while (await FillAsync())
            {
            }

            body.Write(_pending.ToArray());
            Consume((int)_pending.Length);
        }

        message.Body = body.ToArray();
    }

    public async Task<byte[]> ReadExactlyAsync(int count)
    {
        while (_pending.Length < count)
        {
            if (!await FillAsync())
            {
                throw new EndOfStreamException($"wanted {count} bytes, got {_pending.Length}");
            }
        }

        var bytes = _pending.ToArray()[..count];
        Consume(count);
        return bytes;
    }

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            var data = _pending.ToArray();
            var end = IndexOf(data, "\r\n"u8);
            if (end >= 0)
            {
                Consume(end + 2);
                return Encoding.Latin1.GetString(data, 0, end);
            }

            if (!await FillAsync())
            {
                throw new EndOfStreamException("EOF in a line");
            }
        }
    }

    private async Task<bool> FillAsync()
    {
        var n = await _socket.ReceiveAsync(_read, SocketFlags.None);
        if (n == 0)
        {
            return false;
        }

        _pending.Seek(0, SeekOrigin.End);
        _pending.Write(_read, 0, n);
        return true;
    }

    private void Consume(int count)
    {
        var rest = _pending.ToArray()[count..];
        _pending.SetLength(0);
        _pending.Write(rest);
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> value) => data.AsSpan().IndexOf(value);
}

internal sealed class HttpMessage(string startLine)
{
    public string StartLine { get; } = startLine;

    public List<(string Name, string Value)> Headers { get; } = [];

    public byte[] Body { get; set; } = [];

    public string BodyText => Encoding.Latin1.GetString(Body);

    /// <summary>Status of a response start line.</summary>
    public int Status => int.Parse(StartLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Target of a request start line.</summary>
    public string Target => StartLine.Split(' ')[1];

    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name == name).Value;
}
