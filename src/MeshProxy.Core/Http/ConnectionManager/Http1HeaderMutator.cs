using MeshProxy.Protocols.Http1;

namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>The router's <see cref="IHttpHeaderMutator"/> over an <see cref="Http1Headers"/> store; one per session, retargeted per use.</summary>
internal sealed class Http1HeaderMutator : IHttpHeaderMutator
{
    public Http1Headers Headers { get; set; } = null!;

    public bool Contains(ReadOnlySpan<byte> lowerCaseName) => Headers.TryGetValue(lowerCaseName, out _);

    public void Add(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value) => Headers.Add(lowerCaseName, value);

    public void Set(ReadOnlySpan<byte> lowerCaseName, ReadOnlySpan<byte> value)
    {
        Headers.Remove(lowerCaseName);
        Headers.Add(lowerCaseName, value);
    }

    public void Remove(ReadOnlySpan<byte> lowerCaseName) => Headers.Remove(lowerCaseName);
}
