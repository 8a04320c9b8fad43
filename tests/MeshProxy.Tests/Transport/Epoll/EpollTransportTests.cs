using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using MeshProxy.Core.Transport;
using MeshProxy.Core.Transport.Epoll;
using static MeshProxy.Tests.Transport.Epoll.EpollTestHelpers;

namespace MeshProxy.Tests.Transport.Epoll;

public sealed class EpollTransportTests
{
    [Fact]
    public async Task Constructor_TwoLoops_NamedEpollWithTwoLoops()
    {
        await using var transport = new EpollTransport(2);

        Assert.Equal("epoll", transport.Name);
        Assert.Equal([0, 1], transport.Loops.Select(l => l.Id));
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task Accept_EchoServer_EchoesMessages(AddressFamily family)
    {
        await using var transport = new EpollTransport(2);
        await using IConnectionListener listener = transport.Bind(Loopback(family), ConnectionOptions.Default);
        Assert.NotEqual(0, listener.EndPoint.Port);
        _ = ServeAsync(listener, EchoAsync);

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        var reply = new byte[5];
        for (int i = 0; i < 100; i++)
        {
            await client.SendAsync("hello"u8.ToArray());
            Assert.Equal(5, await ReadExactlyAsync(client, reply).WaitAsync(TestTimeout));
            Assert.Equal("hello"u8.ToArray(), reply);
        }
    }

    [Fact]
    public async Task Bind_PortAlreadyBoundByOtherSocket_ThrowsAddressInUse()
    {
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        other.Listen();
        await using var transport = new EpollTransport(1);

        var ex = Assert.Throws<SocketException>(() => transport.Bind((IPEndPoint)other.LocalEndPoint!, ConnectionOptions.Default));

        Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketErrorCode);
    }

    [Fact]
    public async Task Transfer_64MiBOneDirection_ByteExact()
    {
        const int size = 64 * 1024 * 1024;
        byte[] data = Pattern(size, 1);
        await using var transport = new EpollTransport(2);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var received = new TaskCompletionSource<(long Length, byte[] Hash)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ServeAsync(listener, async connection =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            while (true)
            {
                ReadResult result = await connection.Input.ReadAsync();
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    hash.AppendData(segment.Span);
                    length += segment.Length;
                }

                connection.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await connection.Output.CompleteAsync();
            await connection.Input.CompleteAsync();
            received.TrySetResult((length, hash.GetHashAndReset()));
        });

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        await client.SendAsync(data, SocketFlags.None).WaitAsync(TestTimeout);
        client.Shutdown(SocketShutdown.Send);
        var (length, serverHash) = await received.Task.WaitAsync(TestTimeout);

        Assert.Equal(size, length);
        Assert.Equal(SHA256.HashData(data), serverHash);
        Assert.Equal(0, await client.ReceiveAsync(new byte[1]).WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task Transfer_64MiBBothDirectionsConcurrently_ByteExact()
    {
        const int size = 64 * 1024 * 1024;
        byte[] data = Pattern(size, 2);
        await using var transport = new EpollTransport(2);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        _ = ServeAsync(listener, EchoAsync);

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        Task send = Task.Run(async () =>
        {
            await client.SendAsync(data);
            client.Shutdown(SocketShutdown.Send);
        });
        Task<byte[]> receive = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = await client.ReceiveAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                total += n;
            }

            Assert.Equal(size, total);
            return hash.GetHashAndReset();
        });

        await send.WaitAsync(TestTimeout);
        Assert.Equal(SHA256.HashData(data), await receive.WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task Accept_200ConcurrentConnections_AllEchoOnBothLoops()
    {
        await using var transport = new EpollTransport(2);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var loopsUsed = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        _ = ServeAsync(listener, connection =>
        {
            loopsUsed.AddOrUpdate(connection.Loop.Id, 1, (_, c) => c + 1);
            return EchoAsync(connection);
        });

        Socket[] clients = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => ConnectClientAsync(listener.EndPoint)));
        try
        {
            await Task.WhenAll(clients.Select(async (client, i) =>
            {
                byte[] message = BitConverter.GetBytes(i);
                var reply = new byte[4];
                for (int round = 0; round < 10; round++)
                {
                    await client.SendAsync(message);
                    Assert.Equal(4, await ReadExactlyAsync(client, reply));
                    Assert.Equal(message, reply);
                }
            })).WaitAsync(TestTimeout);
        }
        finally
        {
            foreach (Socket client in clients)
            {
                client.Dispose();
            }
        }

        Assert.Equal(200, loopsUsed.Values.Sum());
        Assert.Equal(2, loopsUsed.Count);
    }

    [Fact]
    public async Task HalfClose_PeerShutsDownSendFirst_ServerStillReplies()
    {
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ServeAsync(listener, async connection =>
        {
            accepted.TrySetResult(connection);
            long length = 0;
            while (true)
            {
                ReadResult result = await connection.Input.ReadAsync();
                length += result.Buffer.Length;
                connection.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await connection.Input.CompleteAsync();
            await connection.Output.WriteAsync(BitConverter.GetBytes(length));
            await connection.Output.CompleteAsync();
        });

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        await client.SendAsync(new byte[1000]);
        client.Shutdown(SocketShutdown.Send);
        var reply = new byte[8];

        Assert.Equal(8, await ReadExactlyAsync(client, reply).WaitAsync(TestTimeout));
        Assert.Equal(1000L, BitConverter.ToInt64(reply));
        Assert.Equal(0, await client.ReceiveAsync(new byte[1]).WaitAsync(TestTimeout));
        TransportConnection connection = await accepted.Task;
        await connection.Closed.WaitAsync(TestTimeout);
        Assert.False(connection.WasReset);
    }

    [Fact]
    public async Task HalfClose_ServerCompletesOutputFirst_PeerSeesFinAndCanStillSend()
    {
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverReceived = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ServeAsync(listener, async connection =>
        {
            accepted.TrySetResult(connection);
            await connection.Output.WriteAsync("bye"u8.ToArray());
            await connection.Output.CompleteAsync();
            long length = 0;
            while (true)
            {
                ReadResult result = await connection.Input.ReadAsync();
                length += result.Buffer.Length;
                connection.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await connection.Input.CompleteAsync();
            serverReceived.TrySetResult(length);
        });

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        var reply = new byte[3];
        Assert.Equal(3, await ReadExactlyAsync(client, reply).WaitAsync(TestTimeout));
        Assert.Equal(0, await client.ReceiveAsync(new byte[1]).WaitAsync(TestTimeout));
        await client.SendAsync(new byte[5000]);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal(5000L, await serverReceived.Task.WaitAsync(TestTimeout));
        TransportConnection connection = await accepted.Task;
        await connection.Closed.WaitAsync(TestTimeout);
        Assert.False(connection.WasReset);
    }

    [Fact]
    public async Task PeerReset_ClientClosesWithLingerZero_InputFailsAndWasReset()
    {
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var readError = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ServeAsync(listener, async connection =>
        {
            accepted.TrySetResult(connection);
            try
            {
                while (true)
                {
                    ReadResult result = await connection.Input.ReadAsync();
                    connection.Input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        readError.TrySetResult(null);
                        return;
                    }
                }
            }
            catch (Exception ex)
            {
                readError.TrySetResult(ex);
            }
        });

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        TransportConnection connection = await accepted.Task.WaitAsync(TestTimeout);
        client.LingerState = new LingerOption(true, 0);
        client.Close();

        Exception? error = await readError.Task.WaitAsync(TestTimeout);
        Assert.IsAssignableFrom<IOException>(error);
        Assert.True(connection.WasReset);
        await connection.Closed.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task Abort_AcceptedConnection_PeerSeesConnectionReset()
    {
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var readError = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ServeAsync(listener, async connection =>
        {
            accepted.TrySetResult(connection);
            try
            {
                ReadResult result = await connection.Input.ReadAsync();
                connection.Input.AdvanceTo(result.Buffer.End);
                readError.TrySetResult(null);
            }
            catch (Exception ex)
            {
                readError.TrySetResult(ex);
            }
        });

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        TransportConnection connection = await accepted.Task.WaitAsync(TestTimeout);
        connection.Abort("test");

        var ex = await Assert.ThrowsAsync<SocketException>(async () => await client.ReceiveAsync(new byte[1]).WaitAsync(TestTimeout));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        Assert.IsAssignableFrom<IOException>(await readError.Task.WaitAsync(TestTimeout));
        Assert.True(connection.WasReset);
        await connection.Closed.WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task ConnectAsync_PeerSendsRightAfterAccept_GreetingIsReceived()
    {
        // The loop is held while the connect completes and the peer sends, so the connect's EPOLLOUT and the data's
        // EPOLLIN reach the loop in one event (edge-triggered: the only report of that data).
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen(1);
        await using var transport = new EpollTransport(1);
        using var release = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.Loops[0].Schedule(_ =>
        {
            held.TrySetResult();
            release.Wait(TestTimeout);
        }, null);
        await held.Task.WaitAsync(TestTimeout);

        var connecting = transport.ConnectAsync((IPEndPoint)server.LocalEndPoint!, transport.Loops[0], ConnectionOptions.Default, CancellationToken.None).AsTask();
        using var accepted = await server.AcceptAsync().WaitAsync(TestTimeout);
        await accepted.SendAsync("hello\n"u8.ToArray(), SocketFlags.None);
        await Task.Delay(50);
        release.Set();
        await using var connection = await connecting.WaitAsync(TestTimeout);

        var greeting = await RunOnLoop(connection.Loop, async () =>
        {
            while (true)
            {
                var result = await connection.Input.ReadAsync();
                if (result.Buffer.Length >= 6 || result.IsCompleted)
                {
                    var bytes = result.Buffer.ToArray();
                    connection.Input.AdvanceTo(result.Buffer.End);
                    return bytes;
                }

                connection.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("hello\n"u8.ToArray(), greeting);
    }

    [Fact]
    public async Task ConnectAsync_RefusedPort_FailsFastWithConnectionRefused()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        await using var transport = new EpollTransport(1);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<SocketException>(async () =>
            await transport.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), transport.Loops[0], ConnectionOptions.Default, CancellationToken.None).AsTask().WaitAsync(TestTimeout));

        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task ConnectAsync_PeerNeverAnswersAndTokenCancelled_ThrowsOperationCanceled()
    {
        // A listener whose accept queue is full drops further SYNs, so a connect to it hangs until cancelled.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var endPoint = (IPEndPoint)full.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var fillTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                try
                {
                    await filler.ConnectAsync(endPoint, fillTimeout.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            await using var transport = new EpollTransport(1);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var started = System.Diagnostics.Stopwatch.StartNew();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                await transport.ConnectAsync(endPoint, transport.Loops[0], ConnectionOptions.Default, cts.Token).AsTask().WaitAsync(TestTimeout));

            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        }
        finally
        {
            foreach (Socket filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task TrySetAcceptHandler_ConnectionHandedOverOnTheLoopThatAcceptedIt()
    {
        await using var transport = new EpollTransport(2);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var seen = new TaskCompletionSource<(int Thread, int LoopThread)>(TaskCreationOptions.RunContinuationsAsynchronously);

        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(listener.TrySetAcceptHandler(connection =>
        {
            seen.TrySetResult((Environment.CurrentManagedThreadId, ((EpollLoop)connection.Loop).ThreadId));
            accepted.TrySetResult(connection);
        }));
        using Socket client = await ConnectClientAsync(listener.EndPoint);

        var (thread, loopThread) = await seen.Task.WaitAsync(TestTimeout);
        await using var connection = await accepted.Task.WaitAsync(TestTimeout);
        Assert.Equal(loopThread, thread);
    }

    [Fact]
    public async Task Schedule_AfterTheLoopStopped_StillRuns()
    {
        // A close signal queued after shutdown (a connection disposed late) must not be lost: its waiter would hang.
        var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(listener.TrySetAcceptHandler(connection => accepted.TrySetResult(connection)));
        using Socket client = await ConnectClientAsync(listener.EndPoint);
        var connection = await accepted.Task.WaitAsync(TestTimeout);
        await transport.DisposeAsync();

        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Loop.Schedule(static s => ((TaskCompletionSource)s!).TrySetResult(), ran);

        await ran.Task.WaitAsync(TestTimeout);
        await connection.DisposeAsync().AsTask().WaitAsync(TestTimeout);
    }

    [Fact]
    public async Task TaskCompletedOnTheLoop_ConfigureAwaitFalseContinuation_RunsInlineOnTheLoop()
    {
        // No SynchronizationContext on loop threads: with one, the runtime sends such continuations to the thread pool.
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(listener.TrySetAcceptHandler(connection => accepted.TrySetResult(connection)));
        using Socket client = await ConnectClientAsync(listener.EndPoint);
        await using var connection = await accepted.Task.WaitAsync(TestTimeout);
        var loop = (EpollLoop)connection.Loop;
        var completedOnLoop = new TaskCompletionSource();
        var resumedOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task AwaitIt()
        {
            await completedOnLoop.Task.ConfigureAwait(false);
            resumedOn.TrySetResult(Environment.CurrentManagedThreadId);
        }

        var awaiting = AwaitIt();
        ((IEventLoop)loop).Schedule(static s => ((TaskCompletionSource)s!).SetResult(), completedOnLoop);

        Assert.Equal(loop.ThreadId, await resumedOn.Task.WaitAsync(TestTimeout));
        await awaiting;
    }

    [Fact]
    public async Task ConnectAsync_OnAcceptedConnectionsLoop_UpstreamRunsOnSameLoopThread()
    {
        await using var transport = new EpollTransport(2);
        await using IConnectionListener upstreamListener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        _ = ServeAsync(upstreamListener, EchoAsync);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var observed = new TaskCompletionSource<(int Loop, int Upstream, List<int> Threads, int LoopThread)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ServeAsync(listener, async downstream =>
        {
            var threads = new List<int> { Environment.CurrentManagedThreadId };
            TransportConnection upstream = await transport.ConnectAsync(upstreamListener.EndPoint, downstream.Loop, ConnectionOptions.Default, CancellationToken.None);
            threads.Add(Environment.CurrentManagedThreadId);
            ReadResult request = await downstream.Input.ReadAsync();
            threads.Add(Environment.CurrentManagedThreadId);
            foreach (ReadOnlyMemory<byte> segment in request.Buffer)
            {
                await upstream.Output.WriteAsync(segment);
                threads.Add(Environment.CurrentManagedThreadId);
            }

            downstream.Input.AdvanceTo(request.Buffer.End);
            ReadResult response = await upstream.Input.ReadAsync();
            threads.Add(Environment.CurrentManagedThreadId);
            foreach (ReadOnlyMemory<byte> segment in response.Buffer)
            {
                await downstream.Output.WriteAsync(segment);
                threads.Add(Environment.CurrentManagedThreadId);
            }

            upstream.Input.AdvanceTo(response.Buffer.End);
            observed.TrySetResult((downstream.Loop.Id, upstream.Loop.Id, threads, ((EpollLoop)downstream.Loop).ThreadId));
            await upstream.DisposeAsync();
            await downstream.DisposeAsync();
        });

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        await client.SendAsync("ping"u8.ToArray());
        var reply = new byte[4];
        Assert.Equal(4, await ReadExactlyAsync(client, reply).WaitAsync(TestTimeout));
        Assert.Equal("ping"u8.ToArray(), reply);

        var (loop, upstreamLoop, threads, loopThread) = await observed.Task.WaitAsync(TestTimeout);
        Assert.Equal(loop, upstreamLoop);
        Assert.All(threads, t => Assert.Equal(loopThread, t));
    }

    [Fact]
    public async Task BackPressure_AppDoesNotReadInput_TransportStopsReadingAndPeerBlocks()
    {
        const long limit = 256 * 1024;
        const int total = 64 * 1024 * 1024;
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), new ConnectionOptions(limit));
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () => accepted.TrySetResult((await listener.AcceptAsync())!));

        using Socket client = await ConnectClientAsync(listener.EndPoint);
        TransportConnection connection = await accepted.Task.WaitAsync(TestTimeout);
        long sent = 0;
        Task sender = Task.Run(() =>
        {
            var chunk = new byte[64 * 1024];
            while (sent < total)
            {
                int n = client.Send(chunk, 0, (int)Math.Min(chunk.Length, total - sent), SocketFlags.None);
                Interlocked.Add(ref sent, n);
            }

            client.Shutdown(SocketShutdown.Send);
        });

        // Wait until the transport has paused (the pipe holds the limit) and the peer is stuck: its sent count stops
        // moving for three samples in a row. A sender merely starved of CPU does not pass both conditions.
        long previous = -1;
        int stable = 0;
        for (int i = 0; i < 300 && stable < 3; i++)
        {
            await Task.Delay(100);
            long now = Interlocked.Read(ref sent);
            stable = now == previous && PeekBuffered(connection.Input) >= limit ? stable + 1 : 0;
            previous = now;
        }

        long buffered = PeekBuffered(connection.Input);
        long stuckAt = Interlocked.Read(ref sent);
        Assert.Equal(3, stable);
        Assert.False(sender.IsCompleted);
        Assert.True(stuckAt < total / 2, $"peer sent {stuckAt} bytes");
        Assert.InRange(buffered, limit, limit + PinnedBlockMemoryPool.DefaultBlockSize);
        await Task.Delay(500);
        Assert.Equal(buffered, PeekBuffered(connection.Input));
        Assert.Equal(stuckAt, Interlocked.Read(ref sent));

        // Reading resumes the transport: everything arrives.
        long received = 0;
        while (true)
        {
            ReadResult result = await connection.Input.ReadAsync().AsTask().WaitAsync(TestTimeout);
            received += result.Buffer.Length;
            connection.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await sender.WaitAsync(TestTimeout);
        Assert.Equal(total, received);
    }

    [Fact]
    public async Task Echo_SteadyStateRoundTrips_NoAllocationOnLoopThread()
    {
        const int rounds = 20_000;
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        _ = ServeAsync(listener, EchoAsync);
        using Socket client = await ConnectClientAsync(listener.EndPoint);
        var message = new byte[64];
        var reply = new byte[64];

        async Task RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await client.SendAsync(message);
                await ReadExactlyAsync(client, reply);
            }
        }

        await RoundTrips(2_000).WaitAsync(TestTimeout);
        IEventLoop loop = transport.Loops[0];
        long before = await RunOnLoop(loop, () => Task.FromResult(GC.GetAllocatedBytesForCurrentThread()));
        await RoundTrips(rounds).WaitAsync(TestTimeout);
        long after = await RunOnLoop(loop, () => Task.FromResult(GC.GetAllocatedBytesForCurrentThread()));

        double perRoundTrip = (after - before) / (double)rounds;
        Assert.True(perRoundTrip < 1.0, $"{after - before} bytes over {rounds} round trips ({perRoundTrip:F2} per round trip)");
    }

    [Fact]
    public async Task IdleConnections_AfterAcceptAndAfterEcho_HoldNoPoolBlocks()
    {
        await using var transport = new EpollTransport(1);
        await using IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        int accepted = 0;
        _ = ServeAsync(listener, connection =>
        {
            Interlocked.Increment(ref accepted);
            return EchoAsync(connection);
        });
        PinnedBlockMemoryPool pool = ((EpollLoop)transport.Loops[0]).Pool;

        Socket[] clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => ConnectClientAsync(listener.EndPoint)));
        try
        {
            while (Volatile.Read(ref accepted) < clients.Length)
            {
                await Task.Delay(10).WaitAsync(TestTimeout);
            }

            Assert.Equal(0, await RunOnLoop(transport.Loops[0], () => Task.FromResult(pool.BlocksInUse)));

            var reply = new byte[100];
            foreach (Socket client in clients)
            {
                await client.SendAsync(new byte[100]);
                Assert.Equal(100, await ReadExactlyAsync(client, reply).WaitAsync(TestTimeout));
            }

            Assert.Equal(0, await RunOnLoop(transport.Loops[0], () => Task.FromResult(pool.BlocksInUse)));
        }
        finally
        {
            foreach (Socket client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task DisposeAsync_WithOpenConnections_ClosesThemAndStopsLoops()
    {
        var transport = new EpollTransport(2);
        IConnectionListener listener = transport.Bind(Loopback(AddressFamily.InterNetwork), ConnectionOptions.Default);
        var accepted = new TaskCompletionSource<TransportConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () => accepted.TrySetResult((await listener.AcceptAsync())!));
        using Socket client = await ConnectClientAsync(listener.EndPoint);
        TransportConnection connection = await accepted.Task.WaitAsync(TestTimeout);

        await transport.DisposeAsync().AsTask().WaitAsync(TestTimeout);

        await connection.Closed.WaitAsync(TestTimeout);
        Assert.Null(await listener.AcceptAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Equal(0, await client.ReceiveAsync(new byte[1]).WaitAsync(TestTimeout));
    }
}
