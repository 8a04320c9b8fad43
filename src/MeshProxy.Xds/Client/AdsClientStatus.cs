namespace MeshProxy.Xds.Client;

/// <summary>A snapshot of the ADS client: connection and, per type URL, versions, nonces, NACKs and names.</summary>
public sealed record AdsClientStatus(bool Connected, XdsApiType ApiType, string Target, IReadOnlyDictionary<string, XdsTypeStatus> Types);
