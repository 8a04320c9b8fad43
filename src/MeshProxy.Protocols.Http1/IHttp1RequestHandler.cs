namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Receives a request head: the request line, each field, then the parser's decisions.
/// Called only once the whole head has arrived; if the head is then rejected, the calls made so far are to be discarded.
/// </summary>
public interface IHttp1RequestHandler : IHttp1HeadersHandler
{
    void OnRequestLine(Http1Method method, ReadOnlySpan<byte> methodBytes, ReadOnlySpan<byte> target, Http1TargetForm targetForm, Http1Version version);

    void OnHeadersComplete(in Http1MessageInfo info);
}
