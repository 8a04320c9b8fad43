using MeshProxy.Core.Http.Routing;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>How one upstream attempt ended, as a value the retry loop decides on.</summary>
internal readonly record struct AttemptOutcome(AttemptResult Result, ResponseFlags Flag, UpstreamResetKind Reset, bool RequestSent)
{
    public static AttemptOutcome Done => new(AttemptResult.Done, ResponseFlags.None, default, true);

    public static AttemptOutcome RetryStatus => new(AttemptResult.RetryStatus, ResponseFlags.None, default, true);

    public static AttemptOutcome Fail(ResponseFlags flag, UpstreamResetKind reset, bool requestSent) => new(AttemptResult.Failed, flag, reset, requestSent);
}

internal enum AttemptResult
{
    /// <summary>A response (or a reset of a started one) went downstream; nothing more to do.</summary>
    Done,

    /// <summary>A response the retry policy retries; the connection is gone, nothing was sent downstream.</summary>
    RetryStatus,

    /// <summary>No response: retry on reset, else a local reply chosen by <see cref="AttemptOutcome.Flag"/>.</summary>
    Failed,
}
