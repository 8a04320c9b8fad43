namespace MeshProxy.Core.Timing;

/// <summary>Something checked on every <see cref="Heartbeat"/> tick (idle timeouts).</summary>
internal interface IHeartbeatHandler
{
    /// <summary>Called on the heartbeat's timer thread; must be quick and must not block.</summary>
    void OnHeartbeat(long now);
}
