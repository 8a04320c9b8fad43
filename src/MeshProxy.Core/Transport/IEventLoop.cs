using System.IO.Pipelines;

namespace MeshProxy.Core.Transport;

/// <summary>
/// A thread that runs I/O for a set of connections. Work for a connection runs on its loop, so the two sides of a
/// proxied connection, opened on the same loop, never hand data to another thread.
/// </summary>
public interface IEventLoop
{
    /// <summary>Index of the loop, 0..count-1.</summary>
    int Id { get; }

    /// <summary>The scheduler pipes of this loop's connections use for their continuations.</summary>
    PipeScheduler Scheduler { get; }

    /// <summary>Runs <paramref name="action"/> on the loop (inline when already on it is not guaranteed).</summary>
    void Schedule(Action<object?> action, object? state);
}
