using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using MeshProxy.Core;
using MeshProxy.Core.Transport;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Connection churn through tcp_proxy on loopback: per operation a new client connection, accept, filter chain, a new
/// upstream connection, 64 bytes each way, FIN both ways, close. Allocated bytes are the whole process's, so they
/// include the client's and the upstream's sockets (about 1 KB); TcpProxyAllocationTests prints the proxy's share
/// alone (the event loop's). Time includes both peers on the same machine: compare runs, not absolute numbers.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: GlobalCleanup disposes what GlobalSetup made.
public class TcpProxyConnectionBenchmarks
#pragma warning restore CA1001
{
    private readonly byte[] _request = new byte[64];
    private readonly byte[] _buffer = new byte[256];
    private Socket _upstreamListener = null!;
    private Thread _upstreamThread = null!;
    private ITransport _transport = null!;
    private ProxyRuntime _runtime = null!;
    private IPEndPoint _proxy = null!;

    [GlobalSetup]
    public void Setup()
    {
        _upstreamListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _upstreamListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _upstreamListener.Listen(64);
        _upstreamThread = new Thread(Serve) { IsBackground = true, Name = "upstream" };
        _upstreamThread.Start();

        _transport = TransportFactory.Create("epoll", 1);
        (_runtime, _proxy) = TcpProxyBenchRuntime.Start(_transport, (IPEndPoint)_upstreamListener.LocalEndPoint!, "upstream");
        Connection();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runtime.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _upstreamListener.Dispose();
    }

    [Benchmark(Description = "connection through tcp_proxy")]
    public int Connection()
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(_proxy);
        client.Send(_request);
        client.Shutdown(SocketShutdown.Send);
        var received = 0;
        int n;
        while ((n = client.Receive(_buffer)) > 0)
        {
            received += n;
        }

        return received;
    }

    private void Serve()
    {
        var buffer = new byte[256];
        var reply = new byte[64];
        try
        {
            while (true)
            {
                using var socket = _upstreamListener.Accept();
                while (socket.Receive(buffer) > 0)
                {
                }

                socket.Send(reply);
                socket.Shutdown(SocketShutdown.Send);
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
