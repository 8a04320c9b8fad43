using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MeshProxy.Tests.Support;
using Xunit.Abstractions;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>Bodies and connections: chunked both ways, 100 MiB each way, pipelining, 100-continue, HTTP/1.0, keep-alive.</summary>
[Collection(MemoryBoundTransfers.Name)]
public sealed class StreamingConformanceTests(ConformanceUpstreams upstreams, ITestOutputHelper output) : IClassFixture<ConformanceUpstreams>
{
    private const long Large = 100L * 1024 * 1024;

    // A proxy that buffered a whole 100 MiB body would hold at least that much; streaming holds a few buffers.
    private const long MaxHeapGrowth = 48L * 1024 * 1024;

    // Resident set growth also catches native or pinned buffers the GC does not count; looser, as it includes GC
    // segments and thread stacks that come and go.
    private const long MaxRssGrowth = 96L * 1024 * 1024;

    private const string Routes = """
        virtual_hosts:
        - name: streaming
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route: { cluster: a, timeout: 0s }
        """;

    [Fact(Timeout = 20_000)]
    public async Task ChunkedRequest_RawChunks_UpstreamReceivesBodyByteExact()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("POST /echo HTTP/1.1\r\nHost: stream.test\r\nTransfer-Encoding: chunked\r\n\r\n");
        var expected = new StringBuilder();
        for (var i = 1; i <= 20; i++)
        {
            var chunk = new string((char)('a' + (i % 26)), i * 37);
            expected.Append(chunk);
            await raw.SendAsync($"{chunk.Length:x};ext=1\r\n{chunk}\r\n");
        }

        await raw.SendAsync("0\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal(expected.ToString(), response.BodyText);
        Assert.True(response.Chunked, "an echo of a chunked request has no length, so it must come back chunked");
    }

    [Fact(Timeout = 20_000)]
    public async Task ChunkedRequest_HttpClientStreamOfUnknownLength_EchoedByteExact()
    {
        await using var rig = await StartAsync();
        var payload = new byte[300_000];
        new PseudoRandomBytes(11).Fill(payload);
        using var content = new StreamContent(new UnknownLengthStream(payload));
        using var response = await rig.Client.PostAsync("/echo", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact(Timeout = 20_000)]
    public async Task ChunkedResponse_ManyFlushes_ClientReceivesBodyByteExactAndChunked()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("GET /chunked?n=50&size=997 HTTP/1.1\r\nHost: stream.test\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        var expected = new byte[50 * 997];
        var random = new PseudoRandomBytes(KestrelUpstream.BodySeed);
        for (var i = 0; i < 50; i++)
        {
            random.Fill(expected.AsSpan(i * 997, 997));
        }

        Assert.Equal(200, response.Status);
        Assert.True(response.Chunked);
        Assert.Null(response.Header("content-length"));
        Assert.Equal(expected, response.Body);
    }

    [Fact(Timeout = 60_000)]
    public async Task LargeRequest_100MiBUpload_ArrivesByteExactWithBoundedMemory()
    {
        await using var rig = await StartAsync();
        using var monitor = new HeapMonitor();
        var body = new HashingPseudoRandomContent(seed: 3, Large);
        var watch = Stopwatch.StartNew();
        using var client = rig.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(55);
        using var response = await client.PostAsync("/upload", body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var result = JsonSerializer.Deserialize<Dictionary<string, string>>(text)!;
        Assert.Equal(Large.ToString(System.Globalization.CultureInfo.InvariantCulture), result["length"]);
        Assert.Equal(Convert.ToHexString(body.Hash!), result["sha256"]);
        output.WriteLine($"100 MiB upload in {watch.Elapsed}; peak growth: managed heap {monitor.PeakGrowth / 1024} KiB, RSS {monitor.PeakRssGrowth / 1024} KiB");
        Assert.True(monitor.PeakRssGrowth < MaxRssGrowth, $"resident set grew by {monitor.PeakRssGrowth / (1024 * 1024)} MiB while streaming 100 MiB");
        Assert.True(monitor.PeakGrowth < MaxHeapGrowth, $"managed heap grew by {monitor.PeakGrowth / (1024 * 1024)} MiB while streaming 100 MiB ({watch.Elapsed})");
    }

    [Fact(Timeout = 60_000)]
    public async Task LargeResponse_100MiBDownload_ArrivesByteExactWithBoundedMemory()
    {
        await using var rig = await StartAsync();
        var expected = KestrelUpstream.ExpectedBytesHash(Large);
        using var monitor = new HeapMonitor();
        var watch = Stopwatch.StartNew();
        using var client = rig.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(55);
        using var response = await client.GetAsync($"/bytes/{Large}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Large, response.Content.Headers.ContentLength);

        await using var stream = await response.Content.ReadAsStreamAsync();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        Assert.Equal(Large, total);
        Assert.Equal(expected, hash.GetHashAndReset());
        output.WriteLine($"100 MiB download in {watch.Elapsed}; peak growth: managed heap {monitor.PeakGrowth / 1024} KiB, RSS {monitor.PeakRssGrowth / 1024} KiB");
        Assert.True(monitor.PeakRssGrowth < MaxRssGrowth, $"resident set grew by {monitor.PeakRssGrowth / (1024 * 1024)} MiB while streaming 100 MiB");
        Assert.True(monitor.PeakGrowth < MaxHeapGrowth, $"managed heap grew by {monitor.PeakGrowth / (1024 * 1024)} MiB while streaming 100 MiB");
    }

    [Fact(Timeout = 20_000)]
    public async Task Pipelining_TwoRequestsInOneSegment_AnsweredInOrder()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();

        // The first is slow, so an out-of-order answer would put the second first.
        await raw.SendAsync(
            "GET /slow/300?first HTTP/1.1\r\nHost: stream.test\r\n\r\n" +
            "GET /second HTTP/1.1\r\nHost: stream.test\r\n\r\n");
        var first = await raw.ReadResponseAsync();
        var second = await raw.ReadResponseAsync();

        Assert.Equal(200, first.Status);
        Assert.Equal("/slow/300?first", UpstreamEcho.Parse(first.BodyText).Target);
        Assert.Equal(200, second.Status);
        Assert.Equal("/second", UpstreamEcho.Parse(second.BodyText).Target);
    }

    [Fact(Timeout = 20_000)]
    public async Task ExpectContinue_HttpClient_BodyDeliveredAndEchoed()
    {
        await using var rig = await StartAsync();
        using var client = rig.CreateClient(expectContinue: true);
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes("continue, please"));
        using var response = await client.PostAsync("/echo", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("continue, please", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 20_000)]
    public async Task ExpectContinue_RawClient_100ContinueArrivesBeforeBodyIsSent()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("POST /echo HTTP/1.1\r\nHost: stream.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");

        var interim = await raw.ReadResponseAsync(within: TimeSpan.FromSeconds(5));
        Assert.Equal(100, interim.Status);

        await raw.SendAsync("hello");
        var final = await raw.ReadResponseAsync();
        Assert.Equal(200, final.Status);
        Assert.Equal("hello", final.BodyText);
    }

    [Fact(Timeout = 20_000)]
    public async Task Http10_RequestWithoutKeepAlive_AnsweredThenClosed()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        await raw.SendAsync("GET /old-client HTTP/1.0\r\nHost: stream.test\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("/old-client", UpstreamEcho.Parse(response.BodyText).Target);
        Assert.True(await raw.ClosesWithinAsync(TimeSpan.FromSeconds(5)), "an HTTP/1.0 request without keep-alive ends its connection");
    }

    [Fact(Timeout = 30_000)]
    public async Task KeepAlive_200RequestsOnOneConnection_AllAnsweredOnIt()
    {
        await using var rig = await StartAsync();
        using var raw = await rig.ConnectRawAsync();
        for (var i = 0; i < 200; i++)
        {
            await raw.SendAsync($"GET /keep/{i} HTTP/1.1\r\nHost: stream.test\r\n\r\n");
            var response = await raw.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal($"/keep/{i}", UpstreamEcho.Parse(response.BodyText).Target);
            Assert.NotEqual("close", response.Header("connection"));
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task UpstreamPool_SequentialRequests_ReuseUpstreamConnections()
    {
        await using var rig = await StartAsync();
        var before = upstreams.A.ConnectionCount;
        for (var i = 0; i < 50; i++)
        {
            await rig.GetEchoAsync($"/pooled/{i}");
        }

        // One at a time needs one upstream connection; allow a few for event loops with pools of their own.
        Assert.InRange(upstreams.A.ConnectionCount - before, 1, 4);
    }

    private Task<HttpProxyRig> StartAsync() => HttpProxyRig.StartAsync(Routes, upstreams.Clusters);

    /// <summary>A read-only stream that hides its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7_919));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7_919)], cancellationToken);
    }

    /// <summary>Streams pseudo-random bytes with a Content-Length and hashes what it sent.</summary>
    private sealed class HashingPseudoRandomContent(ulong seed, long length) : HttpContent
    {
        public byte[]? Hash { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var random = new PseudoRandomBytes(seed);
            var buffer = new byte[64 * 1024];
            for (var left = length; left > 0; left -= buffer.Length)
            {
                var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, left));
                random.Fill(chunk.Span);
                hash.AppendData(chunk.Span);
                await stream.WriteAsync(chunk);
            }

            Hash = hash.GetHashAndReset();
        }

        protected override bool TryComputeLength(out long length1)
        {
            length1 = length;
            return true;
        }
    }

    /// <summary>
    /// Samples the managed heap while a transfer runs; a sample above half the limit is re-measured after a full
    /// collection, so garbage awaiting collection is not mistaken for a body held in memory.
    /// </summary>
    private sealed class HeapMonitor : IDisposable
    {
        private readonly long _baseline = GC.GetTotalMemory(forceFullCollection: true);
        private readonly long _rssBaseline = Rss();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public HeapMonitor() => _loop = Task.Run(LoopAsync);

        public long PeakGrowth { get; private set; }

        public long PeakRssGrowth { get; private set; }

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(5));
            Sample();
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                try
                {
                    await Task.Delay(25, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private void Sample()
        {
            var growth = GC.GetTotalMemory(forceFullCollection: false) - _baseline;
            if (growth > MaxHeapGrowth / 2)
            {
                growth = GC.GetTotalMemory(forceFullCollection: true) - _baseline;
            }

            PeakGrowth = Math.Max(PeakGrowth, growth);
            PeakRssGrowth = Math.Max(PeakRssGrowth, Rss() - _rssBaseline);
        }

        private static long Rss()
        {
            using var process = Process.GetCurrentProcess();
            return process.WorkingSet64;
        }
    }
}
