using MeshProxy.Core.Hashing;
using System.Buffers;
using System.Collections.Immutable;
using System.Numerics;
using System.Text;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// A route's consistent-hash inputs (Envoy's <c>HashPolicyImpl::generateHash</c>), compiled. Each input that yields a
/// value is xxHash64'd and mixed in as <c>hash = rotl(hash, 1) ^ next</c>; a terminal input that produced a hash
/// stops the walk. Inputs: every value of a header (sorted, chained through the seed, so order does not matter), a
/// cookie's value, the downstream IP as text, a query parameter's first raw value. The result goes to
/// <see cref="MeshProxy.Abstractions.LoadBalancing.LoadBalancerContext.HashKey"/>.
/// </summary>
public sealed class HashPolicy
{
    private const int StackValues = 16;

    private readonly Input[] _inputs;

    public HashPolicy(ImmutableArray<HashPolicyConfig> config)
    {
        _inputs = [.. config.Select(c => new Input(c.Kind, Encoding.UTF8.GetBytes(c.Kind == HashPolicyKind.Header ? c.Name.ToLowerInvariant() : c.Name), c.Terminal))];
    }

    /// <summary>The key for the load balancer; false when no input produced one (Envoy then balances without a hash).</summary>
    public bool TryComputeHash(IHttpRequestView request, out ulong hash)
    {
        ArgumentNullException.ThrowIfNull(request);
        var has = false;
        hash = 0;
        foreach (var input in _inputs)
        {
            if (TryHash(input, request, out var next))
            {
                hash = (has ? BitOperations.RotateLeft(hash, 1) : 0) ^ next;
                has = true;
            }

            if (input.Terminal && has)
            {
                break;
            }
        }

        return has;
    }

    private static bool TryHash(Input input, IHttpRequestView request, out ulong hash)
    {
        hash = 0;
        switch (input.Kind)
        {
            case HashPolicyKind.Header:
                return TryHashHeader(request, input.Name, out hash);
            case HashPolicyKind.Cookie:
                for (var i = 0; RequestHeaders.TryGet(request, "cookie"u8, i, out var cookies); i++)
                {
                    if (TryFindCookie(cookies, input.Name, out var value))
                    {
                        hash = XxHash64.Hash(value);
                        return true;
                    }
                }

                return false;
            case HashPolicyKind.SourceIp:
                if (request.RemoteAddress is not { } remote)
                {
                    return false;
                }

                Span<byte> text = stackalloc byte[64];
                remote.Address.TryFormat(text, out var written);
                hash = XxHash64.Hash(text[..written]);
                return true;
            default:
                return TryFindQueryParameter(RequestHeaders.Query(request.Path), input.Name, out hash);
        }
    }

    private static bool TryHashHeader(IHttpRequestView request, ReadOnlySpan<byte> name, out ulong hash)
    {
        hash = 0;
        if (!RequestHeaders.TryGet(request, name, 0, out var first))
        {
            return false;
        }

        if (!RequestHeaders.TryGet(request, name, 1, out _))
        {
            hash = XxHash64.Hash(first);
            return true;
        }

        var count = 2;
        while (RequestHeaders.TryGet(request, name, count, out _))
        {
            count++;
        }

        // Sort occurrence indexes by value (insertion sort: a header repeats a handful of times at most).
        int[]? rented = null;
        var order = count <= StackValues ? stackalloc int[StackValues] : (rented = ArrayPool<int>.Shared.Rent(count));
        try
        {
            for (var i = 0; i < count; i++)
            {
                var j = i;
                RequestHeaders.TryGet(request, name, i, out var value);
                while (j > 0 && RequestHeaders.TryGet(request, name, order[j - 1], out var previous) && previous.SequenceCompareTo(value) > 0)
                {
                    order[j] = order[j - 1];
                    j--;
                }

                order[j] = i;
            }

            for (var i = 0; i < count; i++)
            {
                RequestHeaders.TryGet(request, name, order[i], out var value);
                hash = XxHash64.Hash(value, hash);
            }

            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    // Envoy's Utility::parseCookieValue: 'a=b; c="d"', whitespace trimmed, surrounding quotes removed.
    internal static bool TryFindCookie(ReadOnlySpan<byte> cookies, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!cookies.IsEmpty)
        {
            var end = cookies.IndexOf((byte)';');
            var pair = (end < 0 ? cookies : cookies[..end]).Trim((byte)' ');
            cookies = end < 0 ? default : cookies[(end + 1)..];
            var equals = pair.IndexOf((byte)'=');
            if (equals < 0 || !pair[..equals].SequenceEqual(name))
            {
                continue;
            }

            value = pair[(equals + 1)..];
            if (value.Length >= 2 && value[0] == (byte)'"' && value[^1] == (byte)'"')
            {
                value = value[1..^1];
            }

            return true;
        }

        value = default;
        return false;
    }

    private static bool TryFindQueryParameter(ReadOnlySpan<byte> query, ReadOnlySpan<byte> name, out ulong hash)
    {
        while (!query.IsEmpty)
        {
            var end = query.IndexOf((byte)'&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? default : query[(end + 1)..];
            var equals = pair.IndexOf((byte)'=');
            if ((equals < 0 ? pair : pair[..equals]).SequenceEqual(name))
            {
                hash = XxHash64.Hash(equals < 0 ? default : pair[(equals + 1)..]);
                return true;
            }
        }

        hash = 0;
        return false;
    }

    private sealed record Input(HashPolicyKind Kind, byte[] Name, bool Terminal);
}
