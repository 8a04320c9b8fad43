using Envoy.Service.Discovery.V3;

namespace MeshProxy.Xds.Client;

/// <summary>State of the world: every response answered, ACK with its version, NACK with the previous one.</summary>
public sealed partial class AdsClient
{
    private async Task SyncStateOfTheWorldAsync(AdsStream stream)
    {
        foreach (var type in _orderedTypes)
        {
            var desired = type.Wildcard ? [] : DesiredNames(type);
            if (!type.RequestedOnStream)
            {
                if (IsDue(type, desired))
                {
                    await SendStateOfTheWorldAsync(stream, type, desired, responseNonce: "", errorDetail: null).ConfigureAwait(false);
                }
            }
            else if (!type.Wildcard && !type.SentNames.SetEquals(desired))
            {
                // istiod and go-control-plane drop a request with a stale nonce: a name change carries the latest one.
                await SendStateOfTheWorldAsync(stream, type, desired, type.Nonce, errorDetail: null).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleStateOfTheWorldAsync(AdsStream stream, DiscoveryResponse response, CancellationToken ct)
    {
        _types.TryGetValue(response.TypeUrl, out var type);
        _log.Debug(
            "xDS: {TypeShort} response version {Version} nonce {Nonce} with {Count} resources",
            XdsTypeUrls.ShortName(response.TypeUrl), response.VersionInfo, response.Nonce, response.Resources.Count);

        if (type is null || !type.RequestedOnStream)
        {
            await NackStateOfTheWorldAsync(stream, type, response, $"type URL '{response.TypeUrl}' was not subscribed").ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            type.Nonce = response.Nonce;
        }

        if (!XdsResourceDecoder.TryDecodeStateOfTheWorld(response, type.DecodeMemo, out var resources, out var error))
        {
            // A rejected response still answers the initial fetch, as in Envoy: with timeout 0 a bad first CDS must
            // not hold LDS back forever.
            OnAnswered(type.TypeUrl, []);
            await ReportRejectedAsync(type, response.VersionInfo, error, ct).ConfigureAwait(false);
            await NackStateOfTheWorldAsync(stream, type, response, error).ConfigureAwait(false);
            return;
        }

        var rejection = await CallHandlerAsync(
            type, () => _handler.OnStateOfTheWorldAsync(type.TypeUrl, response.VersionInfo, resources, ct)).ConfigureAwait(false);
        OnAnswered(type.TypeUrl, resources.Select(resource => resource.Name));
        if (rejection is not null)
        {
            await NackStateOfTheWorldAsync(stream, type, response, rejection).ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            type.AckedVersion = response.VersionInfo;
        }

        _log.Debug("xDS: {TypeShort} ACK version {Version} nonce {Nonce}", type.ShortName, response.VersionInfo, response.Nonce);
        await SendStateOfTheWorldAsync(stream, type, type.Wildcard ? [] : DesiredNames(type), response.Nonce, errorDetail: null).ConfigureAwait(false);
    }

    private async Task NackStateOfTheWorldAsync(AdsStream stream, XdsTypeState? type, DiscoveryResponse response, string message)
    {
        RecordNack(type, message);
        _log.Warning(
            "xDS: NACK {TypeUrl} version {Version} nonce {Nonce}: {Error}",
            response.TypeUrl, response.VersionInfo, response.Nonce, message);
        if (type is null)
        {
            await WriteAsync(stream, new DiscoveryRequest
            {
                TypeUrl = response.TypeUrl,
                ResponseNonce = response.Nonce,
                ErrorDetail = InvalidArgument(message),
            }).ConfigureAwait(false);
            return;
        }

        await SendStateOfTheWorldAsync(stream, type, type.Wildcard ? [] : DesiredNames(type), response.Nonce, InvalidArgument(message)).ConfigureAwait(false);
    }

    private Task SendStateOfTheWorldAsync(AdsStream stream, XdsTypeState type, string[] names, string responseNonce, Google.Rpc.Status? errorDetail)
    {
        var request = new DiscoveryRequest
        {
            TypeUrl = type.TypeUrl,
            VersionInfo = type.AckedVersion,
            ResponseNonce = responseNonce,
            ErrorDetail = errorDetail,
        };
        request.ResourceNames.Add(names);
        type.RequestedOnStream = true;
        type.SentNames.Clear();
        type.SentNames.UnionWith(names);
        return WriteAsync(stream, request);
    }

    private async Task WriteAsync(AdsStream stream, DiscoveryRequest request)
    {
        if (!stream.NodeSent)
        {
            request.Node = _options.Node;
            stream.NodeSent = true;
        }

        _log.Debug(
            "xDS: stream {StreamId} request {TypeShort} version {Version} nonce {Nonce} names {Names}",
            stream.Id, XdsTypeUrls.ShortName(request.TypeUrl), request.VersionInfo, request.ResponseNonce, request.ResourceNames);
        await stream.WriteAsync(request).ConfigureAwait(false);
        MarkEstablished(stream);
    }

    /// <summary>Calls the handler; an exception from it is a NACK with its message, not a broken stream.</summary>
    private async Task<string?> CallHandlerAsync(XdsTypeState type, Func<ValueTask<string?>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A handler bug is reported to the control plane as a NACK and logged; the stream goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.Error(ex, "xDS: resource handler failed on {TypeUrl}", type.TypeUrl);
            return $"{type.ShortName} handler failed: {ex.GetType().Name}: {ex.Message}";
        }
    }
}
