using Google.Protobuf;

namespace MeshProxy.Xds.State;

/// <summary>Where an accepted resource stands.</summary>
public enum XdsResourceStatus
{
    /// <summary>Serving.</summary>
    Active,

    /// <summary>Accepted but waiting for what it references (a cluster's endpoints, a listener's routes).</summary>
    Warming,
}

/// <summary>One accepted resource: the proto as received, its converted config, and bookkeeping for dumps.</summary>
/// <param name="Name">Resource name.</param>
/// <param name="Version">Per-resource version (Delta) or the response's version_info (SotW).</param>
/// <param name="Proto">The resource as received (for <c>/config_dump</c> and no-op detection).</param>
/// <param name="Config">Its converted MeshProxy config record.</param>
/// <param name="LastUpdated">When this version was accepted.</param>
internal sealed record XdsResourceEntry(string Name, string Version, IMessage Proto, object Config, DateTimeOffset LastUpdated)
{
    /// <summary>When warming gives up waiting (null: not warming, or waits forever).</summary>
    public DateTimeOffset? WarmingDeadline { get; init; }

    /// <summary>Warming was cut short by the initial fetch timeout; serve with what is there.</summary>
    public bool WarmingTimedOut { get; init; }
}
