namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>Which heartbeat-checked timer fired for a session.</summary>
internal enum TimeoutKind
{
    None,

    /// <summary>Connection idle timeout (no request active): close.</summary>
    ConnectionIdle,

    /// <summary>The listener drains and no request is active: close.</summary>
    Drain,

    /// <summary><c>request_timeout</c>: the request did not arrive in time (408).</summary>
    Request,

    /// <summary><c>stream_idle_timeout</c> (408 before the response, reset after).</summary>
    StreamIdle,

    /// <summary>The route timeout (504 UT).</summary>
    Route,

    /// <summary>The retry policy's per-try timeout (retried, else 504 UT).</summary>
    PerTry,
}
