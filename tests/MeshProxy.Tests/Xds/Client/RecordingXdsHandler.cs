using System.Collections.Concurrent;
using System.Threading.Channels;
using MeshProxy.Tests.Support;
using MeshProxy.Xds.Client;

namespace MeshProxy.Tests.Xds.Client;

/// <summary>One handler call as the engine made it.</summary>
internal sealed record HandlerCall(string TypeUrl, string Version, IReadOnlyList<XdsResource> Resources, IReadOnlyList<string> Removed, bool Delta)
{
    public IReadOnlyList<string> Names => Resources.Select(resource => resource.Name).ToArray();
}

/// <summary>
/// Records every callback in order. <see cref="OnCall"/> runs inside the callback (e.g. to call SetSubscription, as the
/// resource store will); <see cref="Reject"/> scripts NACKs (return a message to NACK).
/// </summary>
internal sealed class RecordingXdsHandler : IXdsResourceHandler
{
    private readonly Channel<HandlerCall> _calls = Channel.CreateUnbounded<HandlerCall>();
    private readonly Channel<bool> _connectionChanges = Channel.CreateUnbounded<bool>();
    private int _concurrent;

    public ConcurrentQueue<HandlerCall> All { get; } = new();

    public Action<HandlerCall>? OnCall { get; set; }

    public Func<HandlerCall, string?>? Reject { get; set; }

    public Func<HandlerCall, Task>? Delay { get; set; }

    public volatile bool Connected;

    public bool SawConcurrentCalls { get; private set; }

    public async ValueTask<string?> OnStateOfTheWorldAsync(string typeUrl, string versionInfo, IReadOnlyList<XdsResource> resources, CancellationToken ct) =>
        await RecordAsync(new HandlerCall(typeUrl, versionInfo, resources, [], Delta: false));

    public async ValueTask<string?> OnDeltaAsync(string typeUrl, string systemVersionInfo, IReadOnlyList<XdsResource> added, IReadOnlyList<string> removed, CancellationToken ct) =>
        await RecordAsync(new HandlerCall(typeUrl, systemVersionInfo, added, removed, Delta: true));

    /// <summary>Responses the client NACKed without a handler call: type URL, version, details.</summary>
    public ConcurrentQueue<(string TypeUrl, string Version, string Details)> Rejected { get; } = new();

    public ValueTask OnUpdateRejectedAsync(string typeUrl, string versionInfo, string details, CancellationToken ct)
    {
        Rejected.Enqueue((typeUrl, versionInfo, details));
        return ValueTask.CompletedTask;
    }

    public void OnConnectionStateChanged(bool connected)
    {
        Connected = connected;
        _connectionChanges.Writer.TryWrite(connected);
    }

    public async Task<HandlerCall> NextCallAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? FakeControlPlane.DefaultTimeout);
        try
        {
            return await _calls.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no handler call in time");
        }
    }

    public bool TryNextCall(out HandlerCall? call) => _calls.Reader.TryRead(out call);

    public async Task<bool> NextConnectionChangeAsync()
    {
        using var cts = new CancellationTokenSource(FakeControlPlane.DefaultTimeout);
        return await _connectionChanges.Reader.ReadAsync(cts.Token);
    }

    private async Task<string?> RecordAsync(HandlerCall call)
    {
        if (Interlocked.Increment(ref _concurrent) > 1)
        {
            SawConcurrentCalls = true;
        }

        try
        {
            if (Delay is { } delay)
            {
                await delay(call);
            }

            OnCall?.Invoke(call);
            var verdict = Reject?.Invoke(call);
            All.Enqueue(call);
            _calls.Writer.TryWrite(call);
            return verdict;
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }
}
