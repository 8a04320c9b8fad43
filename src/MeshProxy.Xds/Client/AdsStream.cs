using Envoy.Service.Discovery.V3;
using Grpc.Core;

namespace MeshProxy.Xds.Client;

/// <summary>One ADS stream (one gRPC call): either SotW or Delta. Responses are read in the background into the client's loop.</summary>
internal sealed class AdsStream : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _token;
    private readonly AsyncDuplexStreamingCall<DiscoveryRequest, XdsPayload>? _sotw;
    private readonly AsyncDuplexStreamingCall<DeltaDiscoveryRequest, XdsPayload>? _delta;

    private AdsStream(int id, CancellationTokenSource cts, AsyncDuplexStreamingCall<DiscoveryRequest, XdsPayload>? sotw, AsyncDuplexStreamingCall<DeltaDiscoveryRequest, XdsPayload>? delta)
    {
        Id = id;
        _cts = cts;
        _token = cts.Token;
        _sotw = sotw;
        _delta = delta;
    }

    public int Id { get; }

    /// <summary>Set once a request went out: the HTTP/2 stream exists, so the control plane is reachable.</summary>
    public bool Established { get; set; }

    public bool NodeSent { get; set; }

    public int ResponseCount { get; set; }

    public static AdsStream Open(int id, CallInvoker invoker, XdsApiType apiType, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        try
        {
            var options = new CallOptions(cancellationToken: cts.Token);
            return apiType == XdsApiType.Delta
                ? new AdsStream(id, cts, null, invoker.AsyncDuplexStreamingCall(AdsMethods.DeltaAggregatedResources, null, options))
                : new AdsStream(id, cts, invoker.AsyncDuplexStreamingCall(AdsMethods.StreamAggregatedResources, null, options), null);
        }
        catch
        {
            cts.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads every response, still undecoded, into <paramref name="onResponse"/> (which owns it from then on), then
    /// reports how the stream ended (null: cleanly).
    /// </summary>
    public async Task ReadAsync(Action<AdsStream, XdsPayload> onResponse, Action<AdsStream, Exception?> onEnded)
    {
        try
        {
            if (_sotw is not null)
            {
                while (await _sotw.ResponseStream.MoveNext(_token).ConfigureAwait(false))
                {
                    onResponse(this, _sotw.ResponseStream.Current);
                }
            }
            else
            {
                while (await _delta!.ResponseStream.MoveNext(_token).ConfigureAwait(false))
                {
                    onResponse(this, _delta.ResponseStream.Current);
                }
            }

            onEnded(this, null);
        }
#pragma warning disable CA1031 // Every failure of the call ends the stream the same way: the loop decides and reconnects.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            onEnded(this, ex);
        }
    }

    public Task WriteAsync(DiscoveryRequest request) => _sotw!.RequestStream.WriteAsync(request, _token);

    public Task WriteAsync(DeltaDiscoveryRequest request) => _delta!.RequestStream.WriteAsync(request, _token);

    public void Dispose()
    {
        _cts.Cancel();
        _sotw?.Dispose();
        _delta?.Dispose();
        _cts.Dispose();
    }
}
