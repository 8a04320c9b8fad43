namespace MeshProxy.Core.Config.Http;

/// <summary>One route (Envoy's <c>Route</c>): when <see cref="Match"/> accepts a request, <see cref="Action"/> serves it.</summary>
/// <param name="Name">Route name (may be empty; Istio names routes after the VirtualService).</param>
/// <param name="Match">What the request must look like.</param>
/// <param name="Action">Forward to a cluster, redirect, or answer directly.</param>
public sealed record RouteEntryConfig(string Name, RouteMatchConfig Match, RouteActionConfig Action)
{
    /// <summary>Route-level header changes, applied before the virtual host's and the table's.</summary>
    public HeaderMutationConfig Headers { get; init; } = HeaderMutationConfig.None;
}
