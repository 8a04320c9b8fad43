namespace MeshProxy.Protocols.Http1;

/// <summary>A parsed response head, reused for every response of an upstream connection.</summary>
public sealed class Http1ResponseHead : IDisposable
{
    private int _reasonStart;
    private int _reasonLength;

    public Http1Headers Headers { get; } = new();

    public Http1Version Version { get; private set; }

    public int StatusCode { get; private set; }

    public ReadOnlySpan<byte> Reason => Headers.GetStored(_reasonStart, _reasonLength);

    /// <summary>Framing and connection semantics; valid once the parser returned true.</summary>
    public Http1MessageInfo Info { get; private set; }

    /// <summary>1xx: another head follows for the same request (except 101, after which the connection is a tunnel).</summary>
    public bool IsInformational => StatusCode is >= 100 and < 200;

    public void Reset()
    {
        Headers.Clear();
        StatusCode = 0;
        _reasonLength = 0;
        Info = default;
    }

    public void Dispose() => Headers.Dispose();

    internal void SetStatusLine(Http1Version version, int statusCode, ReadOnlySpan<byte> reason)
    {
        Version = version;
        StatusCode = statusCode;
        _reasonStart = Headers.Store(reason);
        _reasonLength = reason.Length;
    }

    internal void Complete(in Http1MessageInfo info)
    {
        Info = info;
        if (Headers.Contains(Http1KnownHeader.Connection))
        {
            Headers.MarkConnectionOptions();
        }
    }

    internal readonly struct Handler(Http1ResponseHead head) : IHttp1ResponseHandler
    {
        public void OnStatusLine(Http1Version version, int statusCode, ReadOnlySpan<byte> reason) =>
            head.SetStatusLine(version, statusCode, reason);

        public void OnHeader(Http1KnownHeader known, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            head.Headers.Add(known, name, value);

        public void OnHeadersComplete(in Http1MessageInfo info) => head.Complete(info);
    }
}
