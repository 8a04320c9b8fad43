using System.Net;
using MeshProxy.Core.Config;

namespace MeshProxy.Core.Listeners;

/// <summary>
/// Picks the filter chain for a connection the way Envoy does. Criteria are taken in Envoy's order: destination port,
/// destination IP, server name, transport protocol, application protocols, direct source IP, source type, source IP,
/// source port. At each level only the candidates whose match is the most specific one that fits the connection go
/// on (exact port beats unset; the longest matching prefix beats shorter ones and unset; an exact server name beats
/// the longest matching wildcard suffix, which beats unset; ...); there is no going back to a less specific
/// candidate when a later level rejects the specific ones. No candidate left: the default chain, else none.
/// Built once per listener snapshot; a selection scans a few small arrays and allocates nothing.
/// </summary>
internal sealed class FilterChainMatcher
{
    /// <summary>Candidate sets this large or smaller are narrowed on the stack.</summary>
    private const int StackCandidates = 256;

    private const int ExactServerName = int.MaxValue;
    private const int NoMatch = -1;

    private readonly FilterChainRuntime[] _chains;
    private readonly ChainCriteria[] _criteria;
    private readonly Dictionary<int, int[]> _byDestinationPort = [];
    private readonly int[] _anyDestinationPort;

    public FilterChainMatcher(IReadOnlyList<FilterChainRuntime> chains, FilterChainRuntime? defaultChain)
    {
        ArgumentNullException.ThrowIfNull(chains);
        _chains = [.. chains];
        DefaultChain = defaultChain;
        _criteria = new ChainCriteria[_chains.Length];
        var any = new List<int>();
        var byPort = new Dictionary<int, List<int>>();
        for (var i = 0; i < _chains.Length; i++)
        {
            var match = _chains[i].Config.Match;
            _criteria[i] = new ChainCriteria(match);
            if (match.DestinationPort is { } port)
            {
                if (!byPort.TryGetValue(port, out var list))
                {
                    byPort[port] = list = [];
                }

                list.Add(i);
            }
            else
            {
                any.Add(i);
            }
        }

        _anyDestinationPort = [.. any];
        foreach (var (port, list) in byPort)
        {
            _byDestinationPort[port] = [.. list];
        }
    }

    public FilterChainRuntime? DefaultChain { get; }

    /// <summary>The chain that serves a connection with what <paramref name="inspection"/> knows, null for none.</summary>
    public FilterChainRuntime? Select(in ConnectionInspection inspection)
    {
        var destination = inspection.Destination;
        if (!_byDestinationPort.TryGetValue(destination.Port, out var bucket))
        {
            bucket = _anyDestinationPort;
        }

        if (bucket.Length == 0)
        {
            return DefaultChain;
        }

        var candidates = bucket.Length <= StackCandidates ? stackalloc int[bucket.Length] : new int[bucket.Length];
        bucket.CopyTo(candidates);
        var count = candidates.Length;
        var local = IsSameIpOrLoopback(inspection.RemoteEndPoint.Address, destination.Address);
        for (var level = Level.DestinationIp; level <= Level.SourcePort && count > 0; level++)
        {
            count = Narrow(candidates[..count], level, inspection, local);
        }

        // Several left means the config has duplicate matches (Envoy rejects those); the first in order wins.
        return count > 0 ? _chains[candidates[0]] : DefaultChain;
    }

    /// <summary>Keeps the candidates with the highest score at <paramref name="level"/>; returns how many.</summary>
    private int Narrow(Span<int> candidates, Level level, in ConnectionInspection inspection, bool local)
    {
        var best = NoMatch;
        for (var i = 0; i < candidates.Length; i++)
        {
            best = Math.Max(best, Score(_criteria[candidates[i]], level, inspection, local));
        }

        if (best == NoMatch)
        {
            return 0;
        }

        var kept = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (Score(_criteria[candidates[i]], level, inspection, local) == best)
            {
                candidates[kept++] = candidates[i];
            }
        }

        return kept;
    }

    /// <summary>How specifically <paramref name="criteria"/> matches at one level: -1 no match, 0 unset (any),
    /// higher is more specific.</summary>
    private static int Score(ChainCriteria criteria, Level level, in ConnectionInspection inspection, bool local) => level switch
    {
        Level.DestinationIp => ScoreRanges(criteria.PrefixRanges, inspection.Destination.Address),
        Level.ServerName => ScoreServerName(criteria, inspection.ServerName),
        Level.TransportProtocol => criteria.TransportProtocol.Length == 0 ? 0
            : string.Equals(criteria.TransportProtocol, inspection.TransportProtocol, StringComparison.Ordinal) ? 1 : NoMatch,
        Level.ApplicationProtocols => ScoreApplicationProtocols(criteria.ApplicationProtocols, inspection.ApplicationProtocols),
        Level.DirectSourceIp => ScoreRanges(criteria.DirectSourceRanges, inspection.RemoteEndPoint.Address),
        Level.SourceType => criteria.SourceType switch
        {
            ConnectionSourceType.SameIpOrLoopback => local ? 1 : NoMatch,
            ConnectionSourceType.External => local ? NoMatch : 1,
            _ => 0,
        },
        Level.SourceIp => ScoreRanges(criteria.SourceRanges, inspection.RemoteEndPoint.Address),
        Level.SourcePort => criteria.SourcePorts.Length == 0 ? 0
            : Array.IndexOf(criteria.SourcePorts, inspection.RemoteEndPoint.Port) >= 0 ? 1 : NoMatch,
        _ => 0,
    };

    /// <summary>Longest matching prefix: its length + 1 (so 0.0.0.0/0 beats unset), unset 0.</summary>
    private static int ScoreRanges(CidrRange[] ranges, IPAddress address)
    {
        if (ranges.Length == 0)
        {
            return 0;
        }

        var best = NoMatch;
        foreach (var range in ranges)
        {
            if (range.PrefixLength + 1 > best && range.Contains(address))
            {
                best = range.PrefixLength + 1;
            }
        }

        return best;
    }

    /// <summary>Exact name beats every wildcard; a longer wildcard suffix beats a shorter one; unset 0.</summary>
    private static int ScoreServerName(ChainCriteria criteria, string? serverName)
    {
        if (criteria.ExactServerNames.Length == 0 && criteria.WildcardSuffixes.Length == 0)
        {
            return 0;
        }

        if (string.IsNullOrEmpty(serverName))
        {
            return NoMatch;
        }

        foreach (var name in criteria.ExactServerNames)
        {
            if (string.Equals(name, serverName, StringComparison.Ordinal))
            {
                return ExactServerName;
            }
        }

        var best = NoMatch;
        foreach (var suffix in criteria.WildcardSuffixes)
        {
            // "*.example.com" is kept as ".example.com": it needs at least one character before the suffix.
            if (suffix.Length > best && serverName.Length > suffix.Length && serverName.EndsWith(suffix, StringComparison.Ordinal))
            {
                best = suffix.Length;
            }
        }

        return best;
    }

    /// <summary>Envoy tries the connection's protocols in the client's order: matching an earlier one scores higher.</summary>
    private static int ScoreApplicationProtocols(string[] wanted, string[]? offered)
    {
        if (wanted.Length == 0)
        {
            return 0;
        }

        if (offered is null)
        {
            return NoMatch;
        }

        for (var i = 0; i < offered.Length; i++)
        {
            if (Array.IndexOf(wanted, offered[i]) >= 0)
            {
                return offered.Length - i;
            }
        }

        return NoMatch;
    }

    /// <summary>Envoy's SAME_IP_OR_LOOPBACK: the peer is loopback or has the destination's address.</summary>
    private static bool IsSameIpOrLoopback(IPAddress source, IPAddress destination) =>
        IPAddress.IsLoopback(source) || source.Equals(destination);

    private enum Level
    {
        DestinationIp,
        ServerName,
        TransportProtocol,
        ApplicationProtocols,
        DirectSourceIp,
        SourceType,
        SourceIp,
        SourcePort,
    }

    /// <summary>One chain's match, flattened into arrays once.</summary>
    private sealed class ChainCriteria
    {
        public ChainCriteria(FilterChainMatchConfig match)
        {
            PrefixRanges = [.. match.PrefixRanges];
            DirectSourceRanges = [.. match.DirectSourcePrefixRanges];
            SourceRanges = [.. match.SourcePrefixRanges];
            SourcePorts = [.. match.SourcePorts];
            SourceType = match.SourceType;
            TransportProtocol = match.TransportProtocol ?? string.Empty;
            ApplicationProtocols = [.. match.ApplicationProtocols];
            ExactServerNames = [.. match.ServerNames.Where(static n => !n.StartsWith("*.", StringComparison.Ordinal)).Select(static n => n.ToLowerInvariant())];
            WildcardSuffixes = [.. match.ServerNames.Where(static n => n.StartsWith("*.", StringComparison.Ordinal)).Select(static n => n[1..].ToLowerInvariant())];
        }

        public CidrRange[] PrefixRanges { get; }

        public CidrRange[] DirectSourceRanges { get; }

        public CidrRange[] SourceRanges { get; }

        public int[] SourcePorts { get; }

        public ConnectionSourceType SourceType { get; }

        public string TransportProtocol { get; }

        public string[] ApplicationProtocols { get; }

        public string[] ExactServerNames { get; }

        public string[] WildcardSuffixes { get; }
    }
}
