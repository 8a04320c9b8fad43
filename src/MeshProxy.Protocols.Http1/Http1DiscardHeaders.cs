namespace MeshProxy.Protocols.Http1;

/// <summary>Struct handler that ignores fields: for bodies whose trailers the caller does not want.</summary>
internal readonly struct Http1DiscardHeaders : IHttp1HeadersHandler
{
    public void OnHeader(Http1KnownHeader known, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
    }
}
