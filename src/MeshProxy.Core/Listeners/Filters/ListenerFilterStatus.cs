namespace MeshProxy.Core.Listeners.Filters;

/// <summary>A listener filter's answer for the bytes it was shown.</summary>
internal enum ListenerFilterStatus
{
    /// <summary>Done: go on to the next filter (with the same bytes).</summary>
    Continue,

    /// <summary>Show me again once more bytes have arrived.</summary>
    NeedMoreData,

    /// <summary>Close the connection.</summary>
    Close,
}
