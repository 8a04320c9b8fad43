namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// What one stream did, kept by value on the session and reset per request: the record a future report channel
/// (access log, telemetry) takes. No allocation.
/// </summary>
internal struct StreamInfo
{
    /// <summary>Heartbeat timestamp when the request head was parsed.</summary>
    public long StartTimestamp;

    /// <summary>Status sent downstream; 0 when none was.</summary>
    public int ResponseCode;

    public ResponseFlags Flags;

    /// <summary>Upstream attempts made (1 + retries).</summary>
    public int Attempts;

    public long BytesReceived;

    public long BytesSent;
}
