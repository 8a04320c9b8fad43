namespace MeshProxy.Xds.Client;

/// <summary>One type's protocol state for <c>/config_dump</c>.</summary>
/// <param name="LastAckedVersion">SotW: the last accepted <c>version_info</c>; Delta: the last accepted <c>system_version_info</c>.</param>
/// <param name="LastNonce">Nonce of the last response of this type on the current stream ("" when none yet).</param>
/// <param name="SubscribedNames">Named types: the current subscription; wildcard types: empty.</param>
/// <param name="ResourceVersions">Delta: per-resource versions of what the handler accepted; SotW: empty.</param>
public sealed record XdsTypeStatus(
    string TypeUrl,
    bool Wildcard,
    string LastAckedVersion,
    string LastNonce,
    string? LastNackMessage,
    DateTimeOffset? LastNackTime,
    IReadOnlyList<string> SubscribedNames,
    IReadOnlyDictionary<string, string> ResourceVersions);
