namespace MeshProxy.Protocols.Http1;

/// <summary>
/// A parsed request head, reused for every request of a connection (<see cref="Reset"/> keeps the buffers).
/// Filled by <see cref="Http1Parser.TryParseRequestHead(Http1RequestHead, in System.Buffers.ReadOnlySequence{byte}, out SequencePosition, out SequencePosition, out Http1ParseError)"/>.
/// </summary>
public sealed class Http1RequestHead : IDisposable
{
    private int _methodStart;
    private int _methodLength;
    private int _targetStart;
    private int _targetLength;

    public Http1Headers Headers { get; } = new();

    public Http1Method Method { get; private set; }

    /// <summary>The method as received (pre-encoded bytes for known methods).</summary>
    public ReadOnlySpan<byte> MethodBytes => Method == Http1Method.Custom
        ? Headers.GetStored(_methodStart, _methodLength)
        : Http1Methods.GetBytes(Method);

    public ReadOnlySpan<byte> Target => Headers.GetStored(_targetStart, _targetLength);

    public Http1TargetForm TargetForm { get; private set; }

    public Http1Version Version { get; private set; }

    /// <summary>Framing and connection semantics; valid once the parser returned true.</summary>
    public Http1MessageInfo Info { get; private set; }

    public void Reset()
    {
        Headers.Clear();
        Method = Http1Method.Custom;
        _methodLength = 0;
        _targetLength = 0;
        Info = default;
    }

    public void Dispose() => Headers.Dispose();

    internal void SetRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1TargetForm form, Http1Version version)
    {
        Method = method;
        if (method == Http1Method.Custom)
        {
            _methodStart = Headers.Store(methodBytes);
            _methodLength = methodBytes.Length;
        }

        _targetStart = Headers.Store(target);
        _targetLength = target.Length;
        TargetForm = form;
        Version = version;
    }

    internal void Complete(in Http1MessageInfo info)
    {
        Info = info;
        if (Headers.Contains(Http1KnownHeader.Connection))
        {
            Headers.MarkConnectionOptions();
        }
    }

    /// <summary>The struct handler that fills a head; a reference wrapper so parser calls bind statically.</summary>
    internal readonly struct Handler(Http1RequestHead head) : IHttp1RequestHandler
    {
        public void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1TargetForm targetForm, Http1Version version) =>
            head.SetRequestLine(method, methodBytes, target, targetForm, version);

        public void OnHeader(Http1KnownHeader known, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            head.Headers.Add(known, name, value);

        public void OnHeadersComplete(in Http1MessageInfo info) => head.Complete(info);
    }
}
