namespace MeshProxy.Logging;

/// <summary><c>--log-format</c>: human-readable lines (default) or one compact JSON object per event.</summary>
internal enum LogFormat
{
    Compact,
    Json,
}
