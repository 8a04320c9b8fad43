namespace MeshProxy.Protocols.Http1;

/// <summary>Struct handler that appends fields (e.g. trailers) to an <see cref="Http1Headers"/>.</summary>
internal readonly struct Http1HeadersSink(Http1Headers headers) : IHttp1HeadersHandler
{
    public void OnHeader(Http1KnownHeader known, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        headers.Add(known, name, value);
}
