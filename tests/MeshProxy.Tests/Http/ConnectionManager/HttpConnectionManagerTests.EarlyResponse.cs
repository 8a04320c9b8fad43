using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MeshProxy.Core.Config;
using MeshProxy.Core.Config.Http;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Http.ConnectionManager;

/// <summary>
/// A retriable status that arrives while the request body is still on its way. The client holds back the end of its
/// body until the test lets it go, so the answer certainly comes mid-body, whatever the machine's load.
/// </summary>
public abstract partial class HttpConnectionManagerTests
{
    private const string EarlyUnavailable = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\n\r\nfirst try\n";
    private const int HeldBodyLength = 256 * 1024;

    private static RouteTableConfig RetryOn5xx() => HcmConfigs.Routes(HcmConfigs.Forward(configure: f => f with
    {
        RetryPolicy = new RetryPolicyConfig(["5xx"], 2) { BackOffBase = TimeSpan.FromMilliseconds(1), BackOffMax = TimeSpan.FromMilliseconds(2) },
    }));

    /// <summary>
    /// Connection 1 answers 503 once it has read the head and <paramref name="bodyBytesFirst"/> body bytes, then keeps
    /// reading (as Kestrel drains an unread body); later connections read whole requests and answer with the body's
    /// length and SHA-256. <paramref name="retried"/> is set when a later connection has a request head.
    /// </summary>
    private static TestUpstream EarlyUnavailableUpstream(TaskCompletionSource retried, int bodyBytesFirst = 0)
    {
        var connections = 0;
        return new TestUpstream(async socket =>
        {
            var wire = new HttpWire(socket);
            if (Interlocked.Increment(ref connections) == 1)
            {
                await wire.ReadHeadAsync();
                if (bodyBytesFirst > 0)
                {
                    await wire.ReadExactlyAsync(bodyBytesFirst);
                }

                await wire.SendAsync(EarlyUnavailable);
                await socket.ReceiveToEndAsync();
                return;
            }

            while (await wire.ReadHeadAsync() is { } request)
            {
                retried.TrySetResult();
                await wire.ReadBodyAsync(request, toEof: false);
                await wire.SendAsync(Ok(Describe(request.Body)));
            }
        });
    }

    private static string Describe(ReadOnlySpan<byte> body) => $"{body.Length} {Convert.ToHexString(SHA256.HashData(body))}";

    private static byte[] HeldBody()
    {
        var body = new byte[HeldBodyLength];
        new PseudoRandomBytes(11).Fill(body);
        return body;
    }

    /// <summary>The request head and body split in two sends; the last part ends the body.</summary>
    private static (byte[] First, byte[] Last) SplitRequest(byte[] body, bool chunked)
    {
        var half = body.Length / 2;
        if (!chunked)
        {
            var head = Encoding.ASCII.GetBytes($"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: {body.Length}\r\n\r\n");
            return ([.. head, .. body.AsSpan(0, half)], body[half..]);
        }

        return (
            [.. "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"u8, .. Chunk(body.AsSpan(0, half))],
            [.. Chunk(body.AsSpan(half)), .. "0\r\n\r\n"u8]);

        static byte[] Chunk(ReadOnlySpan<byte> data) => [.. Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), .. data, .. "\r\n"u8];
    }

    private static async Task SendAllAsync(Socket socket, byte[] bytes)
    {
        for (var sent = 0; sent < bytes.Length;)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
        }
    }

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retry5xx_AnsweredBeforeTheBodyIsSent_RetriedTryGetsTheWholeBody(bool chunked)
    {
        var retried = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = EarlyUnavailableUpstream(retried);
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, routes: RetryOn5xx()));
        var client = await ConnectAsync(proxy);
        var body = HeldBody();
        var (first, rest) = SplitRequest(body, chunked);

        await SendAllAsync(client.Socket, first);
        if (await Task.WhenAny(retried.Task, Task.Delay(Prompt)) != retried.Task)
        {
            var forwarded = await client.ReadResponseAsync().WaitAsync(Prompt);
            Assert.Fail($"the 503 that came before the body was not retried; the client got {forwarded.Status}: {forwarded.BodyText}");
        }

        await SendAllAsync(client.Socket, rest);
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(200, response.Status);
        Assert.Equal(Describe(body), response.BodyText);
        Assert.Equal(2, upstream.AcceptedCount);
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_retry"));
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_5xx"));
        Assert.Equal(0, Http(proxy, "downstream_rq_5xx"));
        await ProxyHarness.WaitUntilAsync(() => ClusterStat(proxy, "upstream_rq_retry_success") == 1, Prompt, "retry success counted");

        // The whole body was read, so the client's connection (and the retried upstream one) carry on.
        await client.SendAsync("GET /after HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(Describe([]), (await client.ReadResponseAsync().WaitAsync(Prompt)).BodyText);
        Assert.Equal(2, upstream.AcceptedCount);
    }

    [Fact(Timeout = 30_000)]
    public async Task Retry5xx_AnsweredMidBodyBeyondTheBufferLimit_ForwardedThenConnectionClosed()
    {
        // The upstream answers only once it holds more body than the listener keeps for replay: no retry is possible.
        const int limit = 64 * 1024;
        var retried = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = EarlyUnavailableUpstream(retried, bodyBytesFirst: limit + 1);
        await using var proxy = await StartAsync(HcmConfigs.Build(upstream.EndPoint, routes: RetryOn5xx(), bufferLimit: limit));

        await SendHalfThenExpectForwardedAndClosedAsync(proxy);
        Assert.Equal(1, upstream.AcceptedCount);
        Assert.False(retried.Task.IsCompleted);
        Assert.Equal(0, ClusterStat(proxy, "upstream_rq_retry"));
        Assert.Equal(1, Http(proxy, "downstream_rq_5xx"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Retry5xx_AnsweredBeforeTheBodyWithNoRetryBudget_ForwardedThenConnectionClosed()
    {
        var retried = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = EarlyUnavailableUpstream(retried);
        var config = HcmConfigs.Build(upstream.EndPoint, routes: RetryOn5xx(), breakers: new CircuitBreakerThresholds(1024, 1024, 1024, 0));
        await using var proxy = await StartAsync(config);

        await SendHalfThenExpectForwardedAndClosedAsync(proxy);
        Assert.Equal(1, upstream.AcceptedCount);
        Assert.Equal(1, ClusterStat(proxy, "upstream_rq_retry_overflow"));
        Assert.Equal(0, ClusterStat(proxy, "upstream_rq_retry"));
    }

    /// <summary>
    /// Sends the head and half of the held body, expects the first try's 503 forwarded as is, then the connection
    /// ended: the rest of the body never comes, so the request cannot end, and the proxy closes rather than wait.
    /// </summary>
    private static async Task SendHalfThenExpectForwardedAndClosedAsync(ProxyHarness proxy)
    {
        var client = await ConnectAsync(proxy);
        var (first, _) = SplitRequest(HeldBody(), chunked: false);

        await SendAllAsync(client.Socket, first);
        var response = await client.ReadResponseAsync().WaitAsync(Prompt);

        Assert.Equal(503, response.Status);
        Assert.Equal("first try\n", response.BodyText);
        Assert.NotEqual(ReadOutcome.StillOpen, await client.Socket.ReadOutcomeAsync(Prompt));
    }
}
