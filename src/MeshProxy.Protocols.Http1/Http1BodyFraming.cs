namespace MeshProxy.Protocols.Http1;

/// <summary>The framing of one body: what the parser found, or what the writer should use.</summary>
public readonly record struct Http1BodyFraming(Http1BodyKind Kind, long ContentLength)
{
    public static Http1BodyFraming None => default;

    public static Http1BodyFraming Chunked => new(Http1BodyKind.Chunked, -1);

    public static Http1BodyFraming CloseDelimited => new(Http1BodyKind.CloseDelimited, -1);

    public static Http1BodyFraming OfLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new Http1BodyFraming(Http1BodyKind.ContentLength, length);
    }
}
