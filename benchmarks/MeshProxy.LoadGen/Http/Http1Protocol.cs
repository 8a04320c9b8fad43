using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using MeshProxy.LoadGen.Load;

namespace MeshProxy.LoadGen.Http;

/// <summary>
/// HTTP/1.1 client: one request in flight per connection, keep-alive by default; with <c>close</c> every request
/// carries <c>Connection: close</c> and opens a new connection (churn). Response bodies (Content-Length, chunked, or
/// until close) are read into one reusable buffer and discarded; their bytes are counted.
/// </summary>
public sealed class Http1Protocol : ILoadProtocol
{
    private readonly byte[] _request;

    public Http1Protocol(IPEndPoint target, string path, string? host, bool close, IReadOnlyList<string> headers)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(headers);
        Target = target;
        Close = close;
        var text = new StringBuilder();
        text.Append("GET ").Append(path).Append(" HTTP/1.1\r\nHost: ").Append(host ?? target.ToString()).Append("\r\n");
        foreach (string header in headers)
        {
            text.Append(header).Append("\r\n");
        }

        if (close)
        {
            text.Append("Connection: close\r\n");
        }

        text.Append("\r\n");
        _request = Encoding.ASCII.GetBytes(text.ToString());
    }

    public IPEndPoint Target { get; }

    public bool Close { get; }

    public string Name => Close ? "http1-close" : "http1";

    public int StreamsPerConnection => 1;

    public ILoadConnection CreateConnection(int index) => new Http1Connection(Target, _request, Close);
}

/// <summary>One HTTP/1.1 connection; not safe for concurrent <see cref="SendAsync"/> calls (the driver never makes them).</summary>
internal sealed class Http1Connection(IPEndPoint target, byte[] request, bool close) : ILoadConnection
{
    private const int BufferSize = 64 * 1024;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
    private Socket? _socket;
    private int _start;
    private int _end;

    public long Connects { get; private set; }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RequestResult> SendAsync()
    {
        try
        {
            if (_socket is null)
            {
                var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(target).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                _socket = socket;
                _start = _end = 0;
                Connects++;
            }

            Socket s = _socket;
            int sent = 0;
            while (sent < request.Length)
            {
                sent += await s.SendAsync(request.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
            }

            // Status line and headers.
            int headerEnd;
            while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (!await FillAsync(s).ConfigureAwait(false))
                {
                    return Fail();
                }
            }

            var head = new HeadInfo();
            if (!ParseHead(_buffer.AsSpan(_start, headerEnd + 2), ref head))
            {
                return Fail();
            }

            _start += headerEnd + 4;
            long body = 0;
            bool untilClose = false;
            if (head.Status is (>= 100 and < 200) or 204 or 304)
            {
                // No body.
            }
            else if (head.Chunked)
            {
                while (true)
                {
                    int lineEnd;
                    while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                    {
                        if (!await FillAsync(s).ConfigureAwait(false))
                        {
                            return Fail();
                        }
                    }

                    ReadOnlySpan<byte> line = _buffer.AsSpan(_start, lineEnd);
                    int semicolon = line.IndexOf((byte)';');
                    if (semicolon >= 0)
                    {
                        line = line[..semicolon];
                    }

                    if (!Utf8Parser.TryParse(line.Trim((byte)' '), out long size, out _, 'x'))
                    {
                        return Fail();
                    }

                    _start += lineEnd + 2;
                    if (size == 0)
                    {
                        // Trailers, up to the empty line.
                        while (true)
                        {
                            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                            {
                                if (!await FillAsync(s).ConfigureAwait(false))
                                {
                                    return Fail();
                                }
                            }

                            _start += lineEnd + 2;
                            if (lineEnd == 0)
                            {
                                break;
                            }
                        }

                        break;
                    }

                    body += size;
                    long skip = size + 2; // data and its CRLF
                    while (skip > 0)
                    {
                        if (_start == _end && !await FillAsync(s).ConfigureAwait(false))
                        {
                            return Fail();
                        }

                        int take = (int)Math.Min(skip, _end - _start);
                        _start += take;
                        skip -= take;
                    }
                }
            }
            else if (head.ContentLength >= 0)
            {
                long remaining = head.ContentLength;
                body = remaining;
                while (remaining > 0)
                {
                    if (_start == _end && !await FillAsync(s).ConfigureAwait(false))
                    {
                        return Fail();
                    }

                    int take = (int)Math.Min(remaining, _end - _start);
                    _start += take;
                    remaining -= take;
                }
            }
            else
            {
                untilClose = true;
                body = _end - _start;
                _start = _end;
                while (await FillAsync(s).ConfigureAwait(false))
                {
                    body += _end - _start;
                    _start = _end;
                }
            }

            if (close || head.Close || untilClose)
            {
                // Wait for the server's FIN before closing, so TIME_WAIT stays on the server side and a long churn run
                // does not run out of client ports.
                if (!untilClose)
                {
                    while (await FillAsync(s).ConfigureAwait(false))
                    {
                        _start = _end;
                    }
                }

                Drop();
            }

            return new RequestResult(true, head.Status, body);
        }
        catch (SocketException)
        {
            return Fail();
        }
        catch (ObjectDisposedException)
        {
            return Fail();
        }
    }

    public ValueTask DisposeAsync()
    {
        Drop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads more bytes after the unread ones; false at end of stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(Socket socket)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                throw new InvalidDataException("response head larger than the 64 KiB buffer");
            }

            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int n = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    private RequestResult Fail()
    {
        Drop();
        return RequestResult.Failed;
    }

    private void Drop()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    /// <summary>Parses "HTTP/1.x SSS reason" and the headers this client cares about.</summary>
    private static bool ParseHead(ReadOnlySpan<byte> head, ref HeadInfo info)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> statusLine = head[..lineEnd];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8)
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out int used) || used != 3)
        {
            return false;
        }

        info.Status = status;
        info.ContentLength = -1;
        bool http10 = statusLine[7] == (byte)'0';
        info.Close = http10;
        head = head[(lineEnd + 2)..];
        while (!head.IsEmpty)
        {
            lineEnd = head.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = lineEnd < 0 ? head : head[..lineEnd];
            head = lineEnd < 0 ? default : head[(lineEnd + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim((byte)' ');
            if (System.Text.Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out _))
                {
                    return false;
                }

                info.ContentLength = length;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                info.Chunked = ContainsIgnoreCase(value, "chunked"u8);
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                if (ContainsIgnoreCase(value, "close"u8))
                {
                    info.Close = true;
                }
                else if (ContainsIgnoreCase(value, "keep-alive"u8))
                {
                    info.Close = false;
                }
            }
        }

        return true;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        for (int i = 0; i + token.Length <= value.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(value.Slice(i, token.Length), token))
            {
                return true;
            }
        }

        return false;
    }

    private struct HeadInfo
    {
        public int Status;
        public long ContentLength;
        public bool Chunked;
        public bool Close;
    }
}
