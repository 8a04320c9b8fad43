namespace MeshProxy.Tests.Support;

/// <summary>A deterministic byte stream (xorshift64*): the same seed gives the same bytes, so both ends can check.</summary>
internal sealed class PseudoRandomBytes
{
    private ulong _state;

    public PseudoRandomBytes(ulong seed) => _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    public void Fill(Span<byte> destination)
    {
        var i = 0;
        while (i < destination.Length)
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            var value = _state * 0x2545F4914F6CDD1DUL;
            for (var b = 0; b < 8 && i < destination.Length; b++, i++)
            {
                destination[i] = (byte)(value >> (b * 8));
            }
        }
    }
}
