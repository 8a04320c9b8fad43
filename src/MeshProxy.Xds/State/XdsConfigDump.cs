using Google.Protobuf;

namespace MeshProxy.Xds.State;

/// <summary>What <c>/config_dump</c> shows for xDS: every dynamic resource, and the last rejection per type.</summary>
/// <param name="Types">Per type URL, in the order CDS, EDS, LDS, RDS.</param>
public sealed record XdsConfigDump(IReadOnlyList<XdsTypeDump> Types);

/// <summary>One type's resources and its last NACK.</summary>
/// <param name="TypeUrl">The type URL.</param>
/// <param name="VersionInfo">Last accepted version_info (SotW) or system version (Delta); empty before the first.</param>
/// <param name="Resources">Accepted resources, by name.</param>
/// <param name="LastRejection">Last rejected update of this type, null when none since start.</param>
public sealed record XdsTypeDump(string TypeUrl, string VersionInfo, IReadOnlyList<XdsResourceDump> Resources, XdsRejection? LastRejection);

/// <summary>One resource as dumped.</summary>
public sealed record XdsResourceDump(string Name, string Version, XdsResourceStatus Status, DateTimeOffset LastUpdated, IMessage Proto);

/// <summary>A rejected update (what was NACKed).</summary>
/// <param name="Version">The version_info that was rejected.</param>
/// <param name="Time">When.</param>
/// <param name="Details">The error_detail message sent.</param>
public sealed record XdsRejection(string Version, DateTimeOffset Time, string Details);
