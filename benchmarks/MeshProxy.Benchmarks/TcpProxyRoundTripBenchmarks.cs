using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using MeshProxy.Core;
using MeshProxy.Core.Transport;

namespace MeshProxy.Benchmarks;

/// <summary>
/// The TCP proxy's hot path end to end on loopback: a 64-byte (and 16 KiB) ping-pong through a real ProxyRuntime's
/// tcp_proxy (socket read, pipe, copy into the upstream pipe, socket write, and back) to an echo upstream. Time
/// includes the client and the echo server on the same machine: compare runs, not absolute numbers. Whether the
/// memory diagnoser sees the event loop threads depends on BenchmarkDotNet's allocation counter; the e2e harness's
/// whole-process GC figures are the authoritative per-request allocation check.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: GlobalCleanup disposes what GlobalSetup made.
public class TcpProxyRoundTripBenchmarks
#pragma warning restore CA1001
{
    private Socket _echoListener = null!;
    private Thread _echoThread = null!;
    private ITransport _transport = null!;
    private ProxyRuntime _runtime = null!;
    private Socket _client = null!;
    private byte[] _payload = [];
    private byte[] _buffer = [];

    [Params("epoll", "sockets")]
    public string Transport { get; set; } = "epoll";

    [Params(64, 16 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _echoListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _echoListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _echoListener.Listen(16);
        _echoThread = new Thread(Echo) { IsBackground = true, Name = "echo" };
        _echoThread.Start();

        _transport = TransportFactory.Create(Transport, 1);
        IPEndPoint proxy;
        (_runtime, proxy) = TcpProxyBenchRuntime.Start(_transport, (IPEndPoint)_echoListener.LocalEndPoint!, "echo");
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _client.Connect(proxy);
        _payload = new byte[Size];
        _buffer = new byte[Size];
        RoundTrip();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _echoListener.Dispose();
    }

    [Benchmark(Description = "ping-pong through tcp_proxy")]
    public int RoundTrip()
    {
        _client.Send(_payload);
        var received = 0;
        while (received < _buffer.Length)
        {
            received += _client.Receive(_buffer.AsSpan(received));
        }

        return received;
    }

    private void Echo()
    {
        try
        {
            while (true)
            {
                var socket = _echoListener.Accept();
                socket.NoDelay = true;
                var thread = new Thread(() =>
                {
                    var buffer = new byte[64 * 1024];
                    try
                    {
                        int read;
                        while ((read = socket.Receive(buffer)) > 0)
                        {
                            socket.Send(buffer.AsSpan(0, read));
                        }
                    }
                    catch (SocketException)
                    {
                        // Closed at cleanup.
                    }
                    finally
                    {
                        socket.Dispose();
                    }
                })
                { IsBackground = true };
                thread.Start();
            }
        }
        catch (SocketException)
        {
            // Listener closed at cleanup.
        }
        catch (ObjectDisposedException)
        {
            // Listener closed at cleanup.
        }
    }
}
