namespace MeshProxy.Protocols.Http1;

/// <summary>Receives a response head; same contract as <see cref="IHttp1RequestHandler"/>.</summary>
public interface IHttp1ResponseHandler : IHttp1HeadersHandler
{
    void OnStatusLine(Http1Version version, int statusCode, ReadOnlySpan<byte> reason);

    void OnHeadersComplete(in Http1MessageInfo info);
}
