using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MeshProxy.Tests.Support;
using Xunit.Abstractions;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// Back-pressure: a client that stops reading must slow the upstream down (the proxy holds about
/// <c>per_connection_buffer_limit_bytes</c>, not the body), and the body still arrives whole once it reads again.
/// </summary>
[Collection(MemoryBoundTransfers.Name)]
public sealed class FlowControlConformanceTests(ConformanceUpstreams upstreams, ITestOutputHelper output) : IClassFixture<ConformanceUpstreams>
{
    private const long Size = 100L * 1024 * 1024;

    // Loopback socket buffers on both hops can hold several MiB each (autotuning); a proxy without flow control
    // lets the upstream write all 100 MiB within the stall.
    private const long MaxInFlight = 32L * 1024 * 1024;

    private const string Routes = """
        virtual_hosts:
        - name: flow
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route: { cluster: a, timeout: 0s }
        """;

    [Fact(Timeout = 60_000)]
    public async Task SlowReader_StopsReading100MiBResponse_UpstreamIsHeldBackThenBodyArrivesWhole()
    {
        await using var rig = await HttpProxyRig.StartAsync(Routes, upstreams.Clusters);
        using var raw = await rig.ConnectRawAsync();
        raw.Socket.ReceiveBufferSize = 64 * 1024;
        var sentBefore = upstreams.A.BodyBytesSent;
        await raw.SendAsync($"GET /bytes/{Size} HTTP/1.1\r\nHost: flow.test\r\n\r\n");

        // Read nothing for a while: whatever the upstream managed to write is what the path buffered.
        await Task.Delay(1500);
        var inFlight = upstreams.A.BodyBytesSent - sentBefore;
        output.WriteLine($"upstream wrote {inFlight / 1024} KiB while the client read nothing");
        Assert.True(inFlight < MaxInFlight, $"the upstream wrote {inFlight / (1024 * 1024)} MiB while the client read nothing");

        var (status, length, hash) = await ReadHashedResponseAsync(raw.Socket);
        Assert.Equal(200, status);
        Assert.Equal(Size, length);
        Assert.Equal(KestrelUpstream.ExpectedBytesHash(Size), hash);
    }

    /// <summary>Reads a Content-Length response head and hashes its body without keeping it.</summary>
    private static async Task<(int Status, long Length, byte[] Hash)> ReadHashedResponseAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var buffer = new byte[256 * 1024];
        var filled = 0;
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            Assert.True(read > 0, "closed before the response head");
            filled += read;
        }

        var head = Encoding.ASCII.GetString(buffer, 0, headEnd);
        var status = int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var lengthLine = head.Split("\r\n").First(l => l.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase));
        var length = long.Parse(lengthLine.Split(':')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = filled - (headEnd + 4);
        hash.AppendData(buffer, headEnd + 4, (int)total);
        while (total < length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - total)), SocketFlags.None, timeout.Token);
            Assert.True(read > 0, $"closed after {total} of {length} body bytes");
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (status, total, hash.GetHashAndReset());
    }
}
