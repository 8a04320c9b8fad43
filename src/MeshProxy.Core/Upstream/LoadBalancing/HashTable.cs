namespace MeshProxy.Core.Upstream.LoadBalancing;

/// <summary>A consistent-hashing structure (ring hash ring, Maglev table) over a non-empty host list.</summary>
internal abstract class HashTable
{
    public abstract UpstreamHost Pick(ulong hash);

    /// <summary>UTF-8 of <c>{address}_{suffix}</c> or <c>{address}</c> (no suffix) into a caller buffer: the key Envoy
    /// hashes for a host. Addresses render as Envoy renders them (<c>10.0.0.1:80</c>, <c>[::1]:80</c>).</summary>
    protected static ReadOnlySpan<byte> HashKey(UpstreamHost host, long? suffix, Span<byte> buffer)
    {
        var address = host.EndPoint.ToString();
        var written = System.Text.Encoding.UTF8.GetBytes(address, buffer);
        if (suffix is { } value)
        {
            buffer[written++] = (byte)'_';
            value.TryFormat(buffer[written..], out var digits, default, System.Globalization.CultureInfo.InvariantCulture);
            written += digits;
        }

        return buffer[..written];
    }
}
