using System.Text;

namespace MeshProxy.Protocols.Http1;

/// <summary>One field of an <see cref="Http1Headers"/>, as views into its storage (valid until the collection changes).</summary>
public readonly ref struct Http1Header
{
    internal Http1Header(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, Http1KnownHeader known, bool isHopByHop)
    {
        Name = name;
        Value = value;
        Known = known;
        IsHopByHop = isHopByHop;
    }

    public ReadOnlySpan<byte> Name { get; }

    public ReadOnlySpan<byte> Value { get; }

    public Http1KnownHeader Known { get; }

    /// <summary>Connection-specific (RFC 9110 section 7.6.1): a known hop-by-hop field or one named by Connection.</summary>
    public bool IsHopByHop { get; }

    public override string ToString() => $"{Encoding.ASCII.GetString(Name)}: {Encoding.Latin1.GetString(Value)}";
}
