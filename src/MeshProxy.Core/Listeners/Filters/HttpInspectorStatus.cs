namespace MeshProxy.Core.Listeners.Filters;

/// <summary>What <see cref="HttpInspectorParser"/> made of the bytes so far.</summary>
internal enum HttpInspectorStatus
{
    NeedMoreData,

    /// <summary>Not HTTP/1.x and not the HTTP/2 preface: no application protocol is set.</summary>
    NotHttp,
    Http10,
    Http11,

    /// <summary>The HTTP/2 connection preface (prior knowledge, cleartext).</summary>
    Http2,
}
