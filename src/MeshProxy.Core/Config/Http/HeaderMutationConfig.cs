using System.Collections.Immutable;

namespace MeshProxy.Core.Config.Http;

/// <summary>
/// Header changes at one level (route table, virtual host, route or weighted cluster): Envoy's
/// <c>request_headers_to_add/remove</c> and <c>response_headers_to_add/remove</c>. Levels apply from the most
/// specific outwards (weighted cluster, route, virtual host, table), so an outer level wins on conflict, as in Envoy.
/// </summary>
public sealed record HeaderMutationConfig
{
    public static HeaderMutationConfig None { get; } = new();

    public ImmutableArray<HeaderValueOptionConfig> RequestHeadersToAdd { get; init; } = [];

    /// <summary>Lower-case header names.</summary>
    public ImmutableArray<string> RequestHeadersToRemove { get; init; } = [];

    public ImmutableArray<HeaderValueOptionConfig> ResponseHeadersToAdd { get; init; } = [];

    /// <summary>Lower-case header names.</summary>
    public ImmutableArray<string> ResponseHeadersToRemove { get; init; } = [];

    public bool IsEmpty =>
        RequestHeadersToAdd.IsEmpty && RequestHeadersToRemove.IsEmpty && ResponseHeadersToAdd.IsEmpty && ResponseHeadersToRemove.IsEmpty;
}

/// <summary>One header to add (Envoy's <c>HeaderValueOption</c>).</summary>
/// <param name="Name">Lower-case header name.</param>
/// <param name="Value">Value; may hold the substitution commands of <see cref="HeaderValueSyntax"/> (<c>%%</c> for a literal <c>%</c>).</param>
/// <param name="AppendAction">What to do when the header is already present.</param>
public sealed record HeaderValueOptionConfig(string Name, string Value, HeaderAppendAction AppendAction)
{
    /// <summary><c>keep_empty_value</c>: add the header even when the value renders empty.</summary>
    public bool KeepEmptyValue { get; init; }
}

/// <summary>Envoy's <c>HeaderValueOption.HeaderAppendAction</c> (the legacy <c>append</c> maps onto the first two).</summary>
public enum HeaderAppendAction
{
    AppendIfExistsOrAdd,
    AddIfAbsent,
    OverwriteIfExistsOrAdd,
    OverwriteIfExists,
}
