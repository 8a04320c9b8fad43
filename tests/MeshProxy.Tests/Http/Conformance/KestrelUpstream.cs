using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using MeshProxy.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// A real HTTP/1.1 peer behind the proxy: Kestrel on loopback (one or more ephemeral ports), with endpoints that
/// describe the request, echo bodies, answer chosen statuses, stall, stream chunked or large bodies, fail a set
/// number of times, and echo WebSocket messages. It counts connections and requests so tests can prove what the
/// proxy did (and did not) forward.
/// </summary>
internal sealed class KestrelUpstream : IAsyncDisposable
{
    /// <summary>Seed of the bytes <c>/bytes/N</c> and <c>/chunked</c> send.</summary>
    public const ulong BodySeed = 7;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentQueue<string> _targets = new();
    private int _requests;
    private int _connections;
    private int _completedUploads;
    private long _bodyBytesSent;

    private KestrelUpstream(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    public IPEndPoint EndPoint => EndPoints[0];

    /// <summary>Requests whose head reached the application.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>TCP connections accepted.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary><c>/upload</c> requests whose whole body was read.</summary>
    public int CompletedUploads => Volatile.Read(ref _completedUploads);

    /// <summary>Bytes <c>/bytes/N</c> has handed to Kestrel so far, over all requests.</summary>
    public long BodyBytesSent => Interlocked.Read(ref _bodyBytesSent);

    /// <summary>Every request target seen, in arrival order.</summary>
    public IReadOnlyCollection<string> Targets => _targets;

    /// <summary>How many requests <c>/flaky/{key}</c> has seen for <paramref name="key"/>.</summary>
    public int Attempts(string key) => _attempts.TryGetValue(key, out var count) ? count : 0;

    public static async Task<KestrelUpstream> StartAsync(string name, int ports = 1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        KestrelUpstream? self = null;
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = true;
            for (var i = 0; i < ports; i++)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
                {
                    Interlocked.Increment(ref self!._connections);
                    return next(connection);
                }));
            }
        });
        var app = builder.Build();
        self = new KestrelUpstream(name, app);
        self.MapEndpoints();
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.GetRequiredFeature<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>().Addresses;
        self.EndPoints = [.. addresses.Select(a => new IPEndPoint(IPAddress.Loopback, new Uri(a).Port))];
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    /// <summary>The bytes <c>/bytes/N</c> sends, for comparison.</summary>
    public static byte[] ExpectedBytesHash(long count)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new PseudoRandomBytes(BodySeed);
        var buffer = new byte[64 * 1024];
        for (var left = count; left > 0; left -= buffer.Length)
        {
            var span = buffer.AsSpan(0, (int)Math.Min(buffer.Length, left));
            random.Fill(span);
            hash.AppendData(span);
        }

        return hash.GetHashAndReset();
    }

    private void MapEndpoints()
    {
        var app = _app;
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref _requests);
            _targets.Enqueue(context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget);
            context.Response.Headers["x-upstream"] = Name;
            await next(context);
        });

        app.Map("/status/{code:int}", (HttpContext context, int code) =>
        {
            context.Response.StatusCode = code;

            // 1xx, 204 and 304 have no body: writing one makes Kestrel abort the connection.
            return code is (>= 100 and < 200) or 204 or 304
                ? Task.CompletedTask
                : context.Response.WriteAsync($"status {code} from {Name}\n");
        });

        app.Map("/slow/{ms:int}", async (HttpContext context, int ms) =>
        {
            await Task.Delay(ms, context.RequestAborted);
            await DescribeAsync(context, 0);
        });

        app.Map("/echo", async context =>
        {
            // Content-Length in, Content-Length out; otherwise the response is chunked.
            if (context.Request.ContentLength is { } length)
            {
                context.Response.ContentLength = length;
            }

            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
        });

        app.Map("/upload", async context =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }

            Interlocked.Increment(ref _completedUploads);
            await context.Response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                ["length"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["sha256"] = Convert.ToHexString(hash.GetHashAndReset()),
            });
        });

        app.Map("/bytes/{count:long}", async (HttpContext context, long count) =>
        {
            context.Response.ContentLength = count;
            context.Response.ContentType = "application/octet-stream";
            var random = new PseudoRandomBytes(BodySeed);
            var buffer = new byte[64 * 1024];
            for (var left = count; left > 0; left -= buffer.Length)
            {
                var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, left));
                random.Fill(chunk.Span);
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                Interlocked.Add(ref _bodyBytesSent, chunk.Length);
            }
        });

        // ?n=CHUNKS&size=BYTES: the /bytes stream, flushed n times so it goes out as n chunks.
        app.Map("/chunked", async context =>
        {
            var n = int.Parse(context.Request.Query["n"].ToString() is { Length: > 0 } s ? s : "10", System.Globalization.CultureInfo.InvariantCulture);
            var size = int.Parse(context.Request.Query["size"].ToString() is { Length: > 0 } z ? z : "1000", System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentType = "application/octet-stream";
            var random = new PseudoRandomBytes(BodySeed);
            var buffer = new byte[size];
            for (var i = 0; i < n; i++)
            {
                random.Fill(buffer);
                await context.Response.Body.WriteAsync(buffer, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });

        // ?fail=N&code=C (default 503): the first N requests for KEY answer C; with &sleep=MS they stall MS instead
        // (then answer 200), for per-try timeouts. Later requests answer 200 with the description.
        app.Map("/flaky/{key}", async (HttpContext context, string key) =>
        {
            var attempt = _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
            var fail = int.Parse(context.Request.Query["fail"].ToString() is { Length: > 0 } f ? f : "1", System.Globalization.CultureInfo.InvariantCulture);
            if (attempt <= fail)
            {
                if (context.Request.Query["sleep"].ToString() is { Length: > 0 } sleep)
                {
                    await Task.Delay(int.Parse(sleep, System.Globalization.CultureInfo.InvariantCulture), context.RequestAborted);
                }
                else
                {
                    context.Response.StatusCode = context.Request.Query["code"].ToString() is { Length: > 0 } c
                        ? int.Parse(c, System.Globalization.CultureInfo.InvariantCulture)
                        : 503;
                    await context.Response.WriteAsync($"attempt {attempt} of {key} fails\n");
                    return;
                }
            }

            await DescribeAsync(context, 0);
        });

        app.Map("/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[256 * 1024];
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        });

        // A fallback endpoint, not app.Run: terminal middleware would run before the mapped endpoints.
        app.MapFallback(async context =>
        {
            long length = 0;
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                length += read;
            }

            await DescribeAsync(context, length);
        });
    }

    private Task DescribeAsync(HttpContext context, long bodyLength)
    {
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        var echo = new UpstreamEcho(
            Name,
            context.Connection.LocalPort,
            context.Request.Method,
            context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
            context.Request.Protocol,
            headers,
            bodyLength);
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(echo), context.RequestAborted);
    }
}
