namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>How streaming a request body upstream ended.</summary>
internal enum PumpResult
{
    None,

    /// <summary>The whole body (and trailers) went upstream.</summary>
    Completed,

    /// <summary>Stopped by the stream (response finished first, timeout, or retry).</summary>
    Stopped,

    /// <summary>The upstream stopped taking bytes (closed or reset).</summary>
    UpstreamGone,

    /// <summary>The client closed or reset before the body ended.</summary>
    DownstreamGone,

    /// <summary>The body's framing was invalid (bad chunk): 400.</summary>
    Malformed,
}
