using System.Buffers;
using System.Text;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// Envoy's <c>RouteMatcher::findVirtualHost</c>: the authority, lower-cased (and without <c>:port</c> when
/// <c>ignore_port_in_host_matching</c>), is looked up among exact domains, then the longest <c>*suffix</c> wildcard
/// shorter than the host, then the longest <c>prefix*</c>, then <c>*</c>. Without <c>ignore_port_in_host_matching</c>
/// the port is part of the host (<c>a.com:80</c> does not match <c>a.com</c>; see Envoy's FAQ "why is my route not
/// found"). Lookups use span-keyed alternate dictionary lookups, so they allocate nothing.
/// </summary>
internal sealed class VirtualHostSelector
{
    private const int StackChars = 256;

    private readonly Dictionary<string, VirtualHost>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly Wildcards[] _suffixes;
    private readonly Wildcards[] _prefixes;
    private readonly VirtualHost? _default;
    private readonly bool _ignorePort;
    private readonly bool _onlyDefault;

    public VirtualHostSelector(IReadOnlyList<VirtualHost> hosts, bool ignorePort)
    {
        _ignorePort = ignorePort;
        var exact = new Dictionary<string, VirtualHost>(StringComparer.Ordinal);
        var suffixes = new SortedDictionary<int, Dictionary<string, VirtualHost>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        var prefixes = new SortedDictionary<int, Dictionary<string, VirtualHost>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        foreach (var host in hosts)
        {
            foreach (var raw in host.Config.Domains)
            {
                var domain = raw.ToLowerInvariant();
                if (domain == "*")
                {
                    if (_default is not null)
                    {
                        throw new ArgumentException($"only one virtual host may have the '*' domain ('{_default.Name}' and '{host.Name}')", nameof(hosts));
                    }

                    _default = host;
                }
                else if (domain.StartsWith('*'))
                {
                    AddWildcard(suffixes, domain[1..], host);
                }
                else if (domain.EndsWith('*'))
                {
                    AddWildcard(prefixes, domain[..^1], host);
                }
                else if (!exact.TryAdd(domain, host))
                {
                    throw new ArgumentException($"duplicate domain '{domain}'", nameof(hosts));
                }
            }
        }

        _exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _suffixes = [.. suffixes.Select(p => new Wildcards(p.Key, p.Value.GetAlternateLookup<ReadOnlySpan<char>>()))];
        _prefixes = [.. prefixes.Select(p => new Wildcards(p.Key, p.Value.GetAlternateLookup<ReadOnlySpan<char>>()))];
        _onlyDefault = exact.Count == 0 && _suffixes.Length == 0 && _prefixes.Length == 0;
    }

    public VirtualHost? Find(ReadOnlySpan<byte> authority)
    {
        // Envoy's fast path: a table with only '*' serves every request, even one without an authority.
        if (_onlyDefault)
        {
            return _default;
        }

        if (authority.IsEmpty)
        {
            return null;
        }

        if (_ignorePort && PortStart(authority) is var port and >= 0)
        {
            authority = authority[..port];
        }

        char[]? rented = null;
        var chars = authority.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(authority.Length));
        try
        {
            var host = chars[..Encoding.Latin1.GetChars(authority, chars)];
            Ascii.ToLowerInPlace(host, out _);
            return Find(host);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Envoy's <c>HeaderUtility::getPortStart</c>: the last <c>:</c>, unless it is inside an IPv6 literal.</summary>
    internal static int PortStart(ReadOnlySpan<byte> host)
    {
        var colon = host.LastIndexOf((byte)':');
        if (colon < 0)
        {
            return -1;
        }

        var bracket = host.LastIndexOf((byte)']');
        return bracket < 0 || bracket < colon ? colon : -1;
    }

    private VirtualHost? Find(ReadOnlySpan<char> host)
    {
        if (_exact.TryGetValue(host, out var found))
        {
            return found;
        }

        // Strictly shorter: '*.foo.com' does not match '.foo.com', '*-bar.com' not '-bar.com'.
        foreach (var level in _suffixes)
        {
            if (level.Length < host.Length && level.Map.TryGetValue(host[^level.Length..], out found))
            {
                return found;
            }
        }

        foreach (var level in _prefixes)
        {
            if (level.Length < host.Length && level.Map.TryGetValue(host[..level.Length], out found))
            {
                return found;
            }
        }

        return _default;
    }

    private static void AddWildcard(SortedDictionary<int, Dictionary<string, VirtualHost>> levels, string key, VirtualHost host)
    {
        if (!levels.TryGetValue(key.Length, out var map))
        {
            levels[key.Length] = map = new Dictionary<string, VirtualHost>(StringComparer.Ordinal);
        }

        if (!map.TryAdd(key, host))
        {
            throw new ArgumentException($"duplicate wildcard domain '{key}'", nameof(host));
        }
    }

    private readonly record struct Wildcards(int Length, Dictionary<string, VirtualHost>.AlternateLookup<ReadOnlySpan<char>> Map);
}
