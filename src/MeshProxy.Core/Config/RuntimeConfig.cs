using System.Collections.Immutable;

namespace MeshProxy.Core.Config;

/// <summary>
/// Flattened key/value runtime (Envoy's <c>layered_runtime</c> static layers). Keys MeshProxy reads:
/// <c>envoy.resource_limits.listener.NAME.connection_limit</c>.
/// </summary>
public sealed record RuntimeConfig(ImmutableSortedDictionary<string, string> Values)
{
    public static RuntimeConfig Empty { get; } = new(ImmutableSortedDictionary<string, string>.Empty);

    public long? GetInt64(string key) =>
        Values.TryGetValue(key, out var text) && long.TryParse(text, out var value) ? value : null;

    public static string ListenerConnectionLimitKey(string listenerName) =>
        $"envoy.resource_limits.listener.{listenerName}.connection_limit";
}
