using System.Net;
using System.Net.Sockets;

namespace MeshProxy.Core.Config;

/// <summary>An address prefix (Envoy's <c>CidrRange</c>). Host bits are cleared on construction.</summary>
public readonly record struct CidrRange
{
    private readonly UInt128 _prefix;
    private readonly UInt128 _mask;

    public CidrRange(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
            prefixLength = Math.Max(0, prefixLength - 96);
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, bits);
        Family = address.AddressFamily;
        PrefixLength = prefixLength;
        _mask = prefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (bits - prefixLength) & Width(bits);
        _prefix = ToNumber(address) & _mask;
        Address = FromNumber(_prefix, Family);
    }

    /// <summary>The network address (host bits zero).</summary>
    public IPAddress Address { get; }

    public int PrefixLength { get; }

    public AddressFamily Family { get; }

    /// <summary>True when <paramref name="address"/> is inside the range (IPv4-mapped IPv6 counts as IPv4).</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == Family && (ToNumber(address) & _mask) == _prefix;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";

    private static UInt128 Width(int bits) => bits == 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1;

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        UInt128 value = 0;
        for (var i = 0; i < written; i++)
        {
            value = value << 8 | bytes[i];
        }

        return value;
    }

    private static IPAddress FromNumber(UInt128 value, AddressFamily family)
    {
        var length = family == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = new byte[length];
        for (var i = length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xFF);
            value >>= 8;
        }

        return new IPAddress(bytes);
    }
}
