using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Grpc.Core;

namespace MeshProxy.Xds.Client;

/// <summary>One ADS stream (one gRPC call): either SotW or Delta. Responses are read in the background into the client's loop.</summary>
internal sealed class AdsStream : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly CancellationToken _token;
    private readonly AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse>? _sotw;
    private readonly AsyncDuplexStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse>? _delta;

    private AdsStream(int id, CancellationTokenSource cts, AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse>? sotw, AsyncDuplexStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse>? delta)
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

    public static AdsStream Open(int id, AggregatedDiscoveryService.AggregatedDiscoveryServiceClient client, XdsApiType apiType, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        try
        {
            return apiType == XdsApiType.Delta
                ? new AdsStream(id, cts, null, client.DeltaAggregatedResources(cancellationToken: cts.Token))
                : new AdsStream(id, cts, client.StreamAggregatedResources(cancellationToken: cts.Token), null);
        }
        catch
        {
            cts.Dispose();
            throw;
        }
    }

    /// <summary>Reads every response into <paramref name="onResponse"/>, then reports how the stream ended (null: cleanly).</summary>
    public async Task ReadAsync(Action<AdsStream, IMessage> onResponse, Action<AdsStream, Exception?> onEnded)
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
