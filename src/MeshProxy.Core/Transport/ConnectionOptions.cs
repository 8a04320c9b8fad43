namespace MeshProxy.Core.Transport;

/// <summary>Per-connection transport settings.</summary>
/// <param name="BufferLimitBytes">Bytes one direction may buffer before the reading side pauses (pipe pause threshold);
/// reading resumes below half of it.</param>
public sealed record ConnectionOptions(long BufferLimitBytes)
{
    public static ConnectionOptions Default { get; } = new(1024 * 1024);

    public long ResumeThreshold => BufferLimitBytes / 2;
}
