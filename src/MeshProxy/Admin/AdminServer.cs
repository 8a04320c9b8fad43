using System.Net;
using System.Net.Sockets;
using System.Text;
using MeshProxy.Core;
using MeshProxy.Core.Config;
using MeshProxy.Core.Transport.Sockets;
using MeshProxy.Logging;
using Serilog;
using Serilog.Core;

namespace MeshProxy.Admin;

/// <summary>
/// Envoy-compatible admin endpoint (<c>/ready</c>, <c>/stats</c>, <c>/config_dump</c>, <c>/listeners</c>,
/// <c>POST /logging</c>). It runs on one dedicated thread with blocking sockets and answers one request per
/// connection, so nothing it does ever runs on, or waits for, a data-plane event loop.
/// </summary>
internal sealed class AdminServer : IDisposable
{
    private const int MaxRequestBytes = 16 * 1024;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listenSocket;
    private readonly Thread _thread;
    private readonly AdminHandler _handler;
    private readonly ILogger _logger;
    private volatile bool _stopping;

    private AdminServer(Socket listenSocket, AdminHandler handler, ILogger logger)
    {
        _listenSocket = listenSocket;
        _handler = handler;
        _logger = logger;
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "meshproxy-admin" };
    }

    /// <summary>The bound address (the real port when 0 was configured).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listenSocket.LocalEndPoint!;

    /// <summary>What <c>/ready</c> reports: LIVE (200) when true, 503 before the first configuration round is in.</summary>
    public bool Ready
    {
        get => _handler.Ready;
        set => _handler.Ready = value;
    }

    /// <param name="ready">
    /// What <c>/ready</c> says from the first connection on: false while a first configuration round is still to come
    /// (xDS), so no probe sees LIVE between the bind and the moment the caller could have said otherwise.
    /// </param>
    public static AdminServer Start(AdminConfig config, ProxyRuntime runtime, LoggingLevelSwitch levelSwitch, Func<string> configDump, ILogger logger, bool ready = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        var endPoint = config.Address.ToEndPoint();
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            // Plain SO_REUSEADDR: .NET's ReuseAddress also sets SO_REUSEPORT on Linux, which would let a second
            // meshproxy silently share (and steal from) this port.
            SocketTransport.EnableReuseAddress(socket);
            socket.Bind(endPoint);
            socket.Listen(64);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new InvalidOperationException($"admin.address {endPoint}: cannot listen: {ex.Message}", ex);
        }

        var server = new AdminServer(socket, new AdminHandler(runtime, levelSwitch, configDump, logger) { Ready = ready }, logger);
        server._thread.Start();
        logger.Information("Admin endpoint listening on {AdminAddress}", server.EndPoint);
        return server;
    }

    public void Dispose()
    {
        _stopping = true;
        _listenSocket.Dispose();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = _listenSocket.Accept();
            }
            catch (SocketException) when (_stopping)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.Warning(ex, "Admin accept failed");
                continue;
            }

            using (client)
            {
                Serve(client);
            }
        }
    }

    private void Serve(Socket client)
    {
        client.ReceiveTimeout = (int)ClientTimeout.TotalMilliseconds;
        client.SendTimeout = (int)ClientTimeout.TotalMilliseconds;
        try
        {
            var buffer = new byte[MaxRequestBytes];
            var length = 0;
            int headerEnd;
            while ((headerEnd = IndexOfHeaderEnd(buffer.AsSpan(0, length))) < 0)
            {
                if (length == buffer.Length)
                {
                    Send(client, AdminResponse.Text(431, "request headers too large\n"));
                    return;
                }

                var read = client.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                length += read;
            }

            var head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
            var requestLine = head.AsSpan(0, head.IndexOf("\r\n", StringComparison.Ordinal) is var i and >= 0 ? i : head.Length);
            var parts = requestLine.ToString().Split(' ');
            if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            {
                Send(client, AdminResponse.Text(400, "bad request\n"));
                return;
            }

            Send(client, _handler.Handle(parts[0], parts[1]));
        }
        catch (SocketException ex)
        {
            _logger.Debug(ex, "Admin client connection failed");
        }
    }

    private static int IndexOfHeaderEnd(ReadOnlySpan<byte> data)
    {
        var index = data.IndexOf("\r\n\r\n"u8);
        return index < 0 ? -1 : index + 4;
    }

    private static void Send(Socket client, AdminResponse response)
    {
        var body = Encoding.UTF8.GetBytes(response.Body);
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {response.Status} {ReasonPhrase(response.Status)}\r\nContent-Type: {response.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        client.Send(head);
        client.Send(body);
        client.Shutdown(SocketShutdown.Send);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
}
