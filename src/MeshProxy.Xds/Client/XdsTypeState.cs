namespace MeshProxy.Xds.Client;

/// <summary>
/// Protocol state of one type URL. Fields that <see cref="AdsClient.Status"/> or <see cref="AdsClient.SetSubscription"/>
/// touch are guarded by the client's lock; the per-stream fields belong to the client's loop alone.
/// </summary>
internal sealed class XdsTypeState(string typeUrl)
{
    public string TypeUrl { get; } = typeUrl;

    public bool Wildcard { get; } = XdsTypeUrls.IsWildcardType(typeUrl);

    public string ShortName { get; } = XdsTypeUrls.ShortName(typeUrl);

    // Guarded by the client's lock.
    public HashSet<string> DesiredNames { get; } = new(StringComparer.Ordinal);

    public string AckedVersion { get; set; } = "";

    public string Nonce { get; set; } = "";

    public string? LastNackMessage { get; set; }

    public DateTimeOffset? LastNackTime { get; set; }

    public Dictionary<string, string> ResourceVersions { get; } = new(StringComparer.Ordinal);

    /// <summary>SotW: the last response's decoded resources by their bytes (loop only; kept across streams).</summary>
    public XdsDecodeMemo DecodeMemo { get; } = new();

    // Loop only, reset per stream.
    public bool RequestedOnStream { get; set; }

    /// <summary>SotW: the names of the last request sent; Delta: the names subscribed on this stream.</summary>
    public HashSet<string> SentNames { get; } = new(StringComparer.Ordinal);

    public void ResetForStream()
    {
        RequestedOnStream = false;
        SentNames.Clear();
        Nonce = "";
    }

    public XdsTypeStatus Snapshot() => new(
        TypeUrl,
        Wildcard,
        AckedVersion,
        Nonce,
        LastNackMessage,
        LastNackTime,
        DesiredNames.Order(StringComparer.Ordinal).ToArray(),
        new Dictionary<string, string>(ResourceVersions, StringComparer.Ordinal));
}
