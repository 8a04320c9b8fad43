using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// Runs a .NET regex over wire bytes: decoded as Latin-1 (one char per byte, so match offsets are byte offsets) into a
/// stack or pooled buffer, then <see cref="Regex.IsMatch(ReadOnlySpan{char})"/>, which allocates nothing once warm.
/// Non-ASCII UTF-8 therefore matches byte-wise, not as code points (RE2 in Envoy sees code points).
/// </summary>
internal static class ByteRegex
{
    public const int StackChars = 256;

    public static bool IsMatch(Regex regex, ReadOnlySpan<byte> input)
    {
        char[]? rented = null;
        var chars = input.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(input.Length));
        try
        {
            var n = Encoding.Latin1.GetChars(input, chars);
            return regex.IsMatch(chars[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }
}
