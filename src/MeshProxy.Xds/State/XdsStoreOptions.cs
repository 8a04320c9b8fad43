namespace MeshProxy.Xds.State;

/// <summary>Settings of the <see cref="XdsResourceStore"/>.</summary>
public sealed record XdsStoreOptions
{
    /// <summary>How long a new EDS cluster waits for its endpoints before serving without them; Zero = forever.</summary>
    public TimeSpan EndpointWarmingTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a new listener waits for the route tables it names before serving without them; Zero = forever.</summary>
    public TimeSpan RouteWarmingTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Longest error_detail message sent in a NACK; longer ones are cut with a count of what was left out.</summary>
    public int MaxNackMessageLength { get; init; } = 8 * 1024;
}
