namespace MeshProxy.Xds.Client;

/// <summary>
/// What the ADS engine hands decoded resources to (the resource store). Calls are serialized: never concurrent.
/// Return null to ACK, or an error message to NACK; the message becomes <c>error_detail.message</c> and the handler
/// keeps its last good state. A handler may call <see cref="AdsClient.SetSubscription"/> from inside a callback.
/// </summary>
public interface IXdsResourceHandler
{
    /// <summary>
    /// A state-of-the-world response. For Listener and Cluster <paramref name="resources"/> is the complete set (names
    /// absent are deleted by the handler); for RouteConfiguration and ClusterLoadAssignment it may be partial.
    /// </summary>
    ValueTask<string?> OnStateOfTheWorldAsync(string typeUrl, string versionInfo, IReadOnlyList<XdsResource> resources, CancellationToken ct);

    /// <summary>A Delta response: resources added or changed, and names removed.</summary>
    ValueTask<string?> OnDeltaAsync(string typeUrl, string systemVersionInfo, IReadOnlyList<XdsResource> added, IReadOnlyList<string> removed, CancellationToken ct);

    /// <summary>
    /// The client NACKed a response without handing it over (a name twice, a resource of another type, one that does
    /// not decode). Handler state must not change; this is for what operators see: Envoy counts such updates as
    /// <c>update_rejected</c> and shows them in <c>/config_dump</c> like any other NACK.
    /// </summary>
    ValueTask OnUpdateRejectedAsync(string typeUrl, string versionInfo, string details, CancellationToken ct);

    /// <summary>The ADS stream was established (true) or lost (false). Handler state is not affected by a disconnect.</summary>
    void OnConnectionStateChanged(bool connected);
}
