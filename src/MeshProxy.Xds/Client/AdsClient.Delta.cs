using Envoy.Service.Discovery.V3;

namespace MeshProxy.Xds.Client;

/// <summary>
/// Delta: subscribe/unsubscribe diffs, per-resource versions of what the handler accepted, initial_resource_versions
/// on the first request of each type after (re)connect, response_nonce only on ACK/NACK.
/// </summary>
public sealed partial class AdsClient
{
    private async Task SyncDeltaAsync(AdsStream stream)
    {
        foreach (var type in _orderedTypes)
        {
            var desired = type.Wildcard ? [] : DesiredNames(type);
            if (!type.RequestedOnStream)
            {
                if (IsDue(type, desired))
                {
                    var request = new DeltaDiscoveryRequest { TypeUrl = type.TypeUrl };
                    request.ResourceNamesSubscribe.Add(desired);
                    lock (_gate)
                    {
                        // A name no longer wanted is forgotten: do not claim it.
                        foreach (var name in type.ResourceVersions.Keys.Where(name => !type.Wildcard && !type.DesiredNames.Contains(name)).ToArray())
                        {
                            type.ResourceVersions.Remove(name);
                        }

                        request.InitialResourceVersions.Add(type.ResourceVersions);
                    }

                    type.RequestedOnStream = true;
                    type.SentNames.UnionWith(desired);
                    await WriteAsync(stream, request).ConfigureAwait(false);
                }
            }
            else if (!type.Wildcard && !type.SentNames.SetEquals(desired))
            {
                var request = new DeltaDiscoveryRequest { TypeUrl = type.TypeUrl };
                request.ResourceNamesSubscribe.Add(desired.Where(name => !type.SentNames.Contains(name)));
                var unsubscribe = type.SentNames.Except(desired, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
                request.ResourceNamesUnsubscribe.Add(unsubscribe);
                lock (_gate)
                {
                    foreach (var name in unsubscribe)
                    {
                        type.ResourceVersions.Remove(name);
                    }
                }

                type.SentNames.Clear();
                type.SentNames.UnionWith(desired);
                await WriteAsync(stream, request).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleDeltaAsync(AdsStream stream, DeltaDiscoveryResponse response, CancellationToken ct)
    {
        _types.TryGetValue(response.TypeUrl, out var type);
        _log.Debug(
            "xDS: {TypeShort} delta response system version {Version} nonce {Nonce}: {Added} added, {Removed} removed",
            XdsTypeUrls.ShortName(response.TypeUrl), response.SystemVersionInfo, response.Nonce, response.Resources.Count, response.RemovedResources.Count);

        if (type is null || !type.RequestedOnStream)
        {
            await NackDeltaAsync(stream, type, response, $"type URL '{response.TypeUrl}' was not subscribed").ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            type.Nonce = response.Nonce;
        }

        if (!XdsResourceDecoder.TryDecodeDelta(response, out var added, out var error))
        {
            // A rejected response still answers the initial fetch, as in Envoy: with timeout 0 a bad first CDS must
            // not hold LDS back forever.
            OnAnswered(type.TypeUrl, []);
            await ReportRejectedAsync(type, response.SystemVersionInfo, error, ct).ConfigureAwait(false);
            await NackDeltaAsync(stream, type, response, error).ConfigureAwait(false);
            return;
        }

        var removed = response.RemovedResources.ToArray();
        var rejection = await CallHandlerAsync(
            type, () => _handler.OnDeltaAsync(type.TypeUrl, response.SystemVersionInfo, added, removed, ct)).ConfigureAwait(false);
        OnAnswered(type.TypeUrl, added.Select(resource => resource.Name).Concat(removed));
        if (rejection is not null)
        {
            await NackDeltaAsync(stream, type, response, rejection).ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            foreach (var resource in added)
            {
                type.ResourceVersions[resource.Name] = resource.Version;
            }

            foreach (var name in removed)
            {
                type.ResourceVersions.Remove(name);
            }

            type.AckedVersion = response.SystemVersionInfo;
        }

        _log.Debug("xDS: {TypeShort} delta ACK nonce {Nonce}", type.ShortName, response.Nonce);
        await WriteAsync(stream, new DeltaDiscoveryRequest { TypeUrl = type.TypeUrl, ResponseNonce = response.Nonce }).ConfigureAwait(false);
    }

    private Task NackDeltaAsync(AdsStream stream, XdsTypeState? type, DeltaDiscoveryResponse response, string message)
    {
        RecordNack(type, message);
        _log.Warning(
            "xDS: NACK {TypeUrl} delta system version {Version} nonce {Nonce}: {Error}",
            response.TypeUrl, response.SystemVersionInfo, response.Nonce, message);
        return WriteAsync(stream, new DeltaDiscoveryRequest
        {
            TypeUrl = response.TypeUrl,
            ResponseNonce = response.Nonce,
            ErrorDetail = InvalidArgument(message),
        });
    }

    private async Task WriteAsync(AdsStream stream, DeltaDiscoveryRequest request)
    {
        if (!stream.NodeSent)
        {
            request.Node = _options.Node;
            stream.NodeSent = true;
        }

        _log.Debug(
            "xDS: stream {StreamId} delta request {TypeShort} nonce {Nonce} subscribe {Subscribe} unsubscribe {Unsubscribe} initial versions {InitialVersions}",
            stream.Id, XdsTypeUrls.ShortName(request.TypeUrl), request.ResponseNonce, request.ResourceNamesSubscribe, request.ResourceNamesUnsubscribe, request.InitialResourceVersions.Count);
        await stream.WriteAsync(request).ConfigureAwait(false);
        MarkEstablished(stream);
    }
}
