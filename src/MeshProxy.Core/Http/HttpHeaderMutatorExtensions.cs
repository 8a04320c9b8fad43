using System.Buffers;
using System.Text;

namespace MeshProxy.Core.Http;

/// <summary>String overloads of <see cref="IHttpHeaderMutator"/>: names as ASCII, values as Latin-1 (one byte per char).</summary>
public static class HttpHeaderMutatorExtensions
{
    private const int StackLimit = 256;

    public static void Add(this IHttpHeaderMutator headers, string lowerCaseName, string value) => Apply(headers, lowerCaseName, value, set: false);

    public static void Set(this IHttpHeaderMutator headers, string lowerCaseName, string value) => Apply(headers, lowerCaseName, value, set: true);

    public static void Remove(this IHttpHeaderMutator headers, string lowerCaseName)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(lowerCaseName);
        byte[]? rented = null;
        var name = lowerCaseName.Length <= StackLimit ? stackalloc byte[lowerCaseName.Length] : (rented = ArrayPool<byte>.Shared.Rent(lowerCaseName.Length));
        try
        {
            var n = Encoding.Latin1.GetBytes(lowerCaseName, name);
            headers.Remove(name[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static bool Contains(this IHttpHeaderMutator headers, string lowerCaseName)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(lowerCaseName);
        Span<byte> name = stackalloc byte[Math.Min(lowerCaseName.Length, StackLimit)];
        return lowerCaseName.Length <= StackLimit
            ? headers.Contains(name[..Encoding.Latin1.GetBytes(lowerCaseName, name)])
            : headers.Contains(Encoding.Latin1.GetBytes(lowerCaseName));
    }

    private static void Apply(IHttpHeaderMutator headers, string name, string value, bool set)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var length = name.Length + value.Length;
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var n = Encoding.Latin1.GetBytes(name, buffer);
            var v = Encoding.Latin1.GetBytes(value, buffer[n..]);
            if (set)
            {
                headers.Set(buffer[..n], buffer.Slice(n, v));
            }
            else
            {
                headers.Add(buffer[..n], buffer.Slice(n, v));
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
