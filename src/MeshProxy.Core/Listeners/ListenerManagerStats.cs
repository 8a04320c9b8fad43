using MeshProxy.Core.Stats;

namespace MeshProxy.Core.Listeners;

/// <summary><c>listener_manager.*</c> as Envoy names them.</summary>
internal sealed class ListenerManagerStats(StatsStore store)
{
    public Counter ListenerAdded { get; } = store.GetCounter("listener_manager.listener_added");

    public Counter ListenerModified { get; } = store.GetCounter("listener_manager.listener_modified");

    public Counter ListenerRemoved { get; } = store.GetCounter("listener_manager.listener_removed");

    /// <summary>A listener (new or changed) was set up: bound, or kept unbound as configured.</summary>
    public Counter ListenerCreateSuccess { get; } = store.GetCounter("listener_manager.listener_create_success");

    /// <summary>A listener could not be set up (bind failed, unsupported filter); the previous version, if any, stays.</summary>
    public Counter ListenerCreateFailure { get; } = store.GetCounter("listener_manager.listener_create_failure");

    public Gauge TotalListenersActive { get; } = store.GetGauge("listener_manager.total_listeners_active");

    /// <summary>Old versions of changed or removed listeners whose connections are still draining.</summary>
    public Gauge TotalListenersDraining { get; } = store.GetGauge("listener_manager.total_listeners_draining");
}
