using System.Collections.Immutable;
using System.Net;
using MeshProxy.Core.Config;
using MeshProxy.Core.Listeners;
using MeshProxy.Core.Network;
using MeshProxy.Tests.Support;

namespace MeshProxy.Tests.Listeners;

public sealed class FilterChainMatcherTests
{
    private static readonly IPEndPoint Local = IPEndPoint.Parse("10.0.0.1:15006");
    private static readonly IPEndPoint Remote = IPEndPoint.Parse("10.0.0.9:40000");

    [Fact]
    public void Select_DestinationPort_ExactBeatsUnset()
    {
        var matcher = Matcher(Chain("any"), Chain("port", new() { DestinationPort = 8080 }));

        Assert.Equal("port", Select(matcher, Inspection(destination: "10.0.0.1:8080")));
        Assert.Equal("any", Select(matcher, Inspection(destination: "10.0.0.1:9090")));
    }

    [Fact]
    public void Select_ExactPortChainFailsLaterLevel_NoFallBackToUnsetPortChain()
    {
        // Envoy picks the destination-port bucket first and never goes back to the catch-all port.
        var matcher = Matcher(Chain("any"), Chain("port-tls", new() { DestinationPort = 8080, TransportProtocol = "tls" }));

        Assert.Null(Select(matcher, Inspection(destination: "10.0.0.1:8080", transport: "raw_buffer")));
    }

    [Fact]
    public void Select_DestinationIp_LongestPrefixWinsAndZeroPrefixBeatsUnset()
    {
        var matcher = Matcher(
            Chain("unset"),
            Chain("all", new() { PrefixRanges = [Cidr("0.0.0.0/0")] }),
            Chain("net", new() { PrefixRanges = [Cidr("10.0.0.0/8"), Cidr("192.168.0.0/16")] }),
            Chain("host", new() { PrefixRanges = [Cidr("10.1.2.3/32")] }));

        Assert.Equal("host", Select(matcher, Inspection(destination: "10.1.2.3:80")));
        Assert.Equal("net", Select(matcher, Inspection(destination: "10.1.2.4:80")));
        Assert.Equal("all", Select(matcher, Inspection(destination: "172.16.0.1:80")));
        Assert.Equal("unset", Select(matcher, Inspection(destination: "[2001:db8::1]:80")));
    }

    [Fact]
    public void Select_ServerName_ExactThenLongestWildcardThenUnset()
    {
        var matcher = Matcher(
            Chain("unset"),
            Chain("com", new() { ServerNames = ["*.com"] }),
            Chain("wild", new() { ServerNames = ["*.example.com"] }),
            Chain("exact", new() { ServerNames = ["api.example.com", "other.org"] }));

        Assert.Equal("exact", Select(matcher, Inspection(sni: "api.example.com")));
        Assert.Equal("wild", Select(matcher, Inspection(sni: "www.example.com")));
        Assert.Equal("wild", Select(matcher, Inspection(sni: "a.b.example.com")));
        Assert.Equal("com", Select(matcher, Inspection(sni: "example.com")));
        Assert.Equal("unset", Select(matcher, Inspection(sni: "example.net")));
        Assert.Equal("unset", Select(matcher, Inspection()));
    }

    [Fact]
    public void Select_ServerNameSetButConnectionHasNone_OnlyUnsetChainsMatch()
    {
        var matcher = Matcher(Chain("sni", new() { ServerNames = ["a.example.com"] }));

        Assert.Null(Select(matcher, Inspection()));
    }

    [Fact]
    public void Select_TransportProtocol_ExactBeatsUnsetAndMismatchDropsOut()
    {
        var matcher = Matcher(Chain("unset"), Chain("tls", new() { TransportProtocol = "tls" }));

        Assert.Equal("tls", Select(matcher, Inspection(transport: "tls")));
        Assert.Equal("unset", Select(matcher, Inspection(transport: "raw_buffer")));
    }

    [Fact]
    public void Select_ApplicationProtocols_ClientsFirstProtocolThatAnyChainListsWins()
    {
        var matcher = Matcher(
            Chain("unset"),
            Chain("h1", new() { ApplicationProtocols = ["http/1.1", "http/1.0"] }),
            Chain("h2", new() { ApplicationProtocols = ["h2c", "h2"] }));

        Assert.Equal("h2", Select(matcher, Inspection(alpn: ["h2", "http/1.1"])));
        Assert.Equal("h1", Select(matcher, Inspection(alpn: ["http/1.1", "h2"])));
        Assert.Equal("h1", Select(matcher, Inspection(alpn: ["spdy/3", "http/1.0"])));
        Assert.Equal("unset", Select(matcher, Inspection(alpn: ["spdy/3"])));
        Assert.Equal("unset", Select(matcher, Inspection()));
    }

    [Fact]
    public void Select_DirectSourceIp_LongestPrefixWins()
    {
        var matcher = Matcher(
            Chain("unset"),
            Chain("wide", new() { DirectSourcePrefixRanges = [Cidr("10.0.0.0/8")] }),
            Chain("narrow", new() { DirectSourcePrefixRanges = [Cidr("10.0.0.0/24")] }));

        Assert.Equal("narrow", Select(matcher, Inspection(remote: "10.0.0.9:1")));
        Assert.Equal("wide", Select(matcher, Inspection(remote: "10.9.0.9:1")));
        Assert.Equal("unset", Select(matcher, Inspection(remote: "11.0.0.1:1")));
    }

    [Fact]
    public void Select_SourceType_SpecificTypeBeatsAny()
    {
        var matcher = Matcher(
            Chain("any"),
            Chain("local", new() { SourceType = ConnectionSourceType.SameIpOrLoopback }));
        var externalOnly = Matcher(Chain("external", new() { SourceType = ConnectionSourceType.External }));

        Assert.Equal("local", Select(matcher, Inspection(remote: "127.0.0.1:5")));
        Assert.Equal("local", Select(matcher, Inspection(remote: "10.0.0.1:5"))); // same IP as the destination
        Assert.Equal("any", Select(matcher, Inspection(remote: "10.0.0.2:5")));
        Assert.Equal("external", Select(externalOnly, Inspection(remote: "10.0.0.2:5")));
        Assert.Null(Select(externalOnly, Inspection(remote: "127.0.0.1:5")));
    }

    [Fact]
    public void Select_SourceIpThenSourcePort_MostSpecificWins()
    {
        var matcher = Matcher(
            Chain("unset"),
            Chain("ip", new() { SourcePrefixRanges = [Cidr("10.0.0.9/32")] }),
            Chain("ip-port", new() { SourcePrefixRanges = [Cidr("10.0.0.9/32")], SourcePorts = [40000, 40001] }));

        Assert.Equal("ip-port", Select(matcher, Inspection(remote: "10.0.0.9:40001")));
        Assert.Equal("ip", Select(matcher, Inspection(remote: "10.0.0.9:50000")));
        Assert.Equal("unset", Select(matcher, Inspection(remote: "10.0.0.8:40000")));
    }

    [Fact]
    public void Select_EarlierLevelDecidesBeforeLaterOnes()
    {
        // Port beats everything after it: the exact-port chain wins even though the other names the server.
        var matcher = Matcher(
            Chain("sni", new() { ServerNames = ["api.example.com"], TransportProtocol = "tls" }),
            Chain("port", new() { DestinationPort = 443 }));

        Assert.Equal("port", Select(matcher, Inspection(destination: "10.0.0.1:443", transport: "tls", sni: "api.example.com")));
    }

    [Fact]
    public void Select_IdenticalMatches_FirstInConfigOrderWins()
    {
        var matcher = Matcher(Chain("first", new() { DestinationPort = 80 }), Chain("second", new() { DestinationPort = 80 }));

        Assert.Equal("first", Select(matcher, Inspection(destination: "10.0.0.1:80")));
    }

    [Fact]
    public void Select_NoChainMatches_DefaultChainElseNone()
    {
        var chains = new[] { Chain("tls", new() { TransportProtocol = "tls" }) };
        var withDefault = new FilterChainMatcher(chains, Chain("default"));
        var without = new FilterChainMatcher(chains, null);

        Assert.Equal("default", withDefault.Select(Inspection(transport: "raw_buffer"))?.Config.Name);
        Assert.Null(without.Select(Inspection(transport: "raw_buffer")));
        Assert.Equal("default", new FilterChainMatcher([], Chain("default")).Select(Inspection())?.Config.Name);
    }

    [Fact]
    public void Select_OriginalDestinationKnown_MatchesOnItInsteadOfTheLocalAddress()
    {
        var matcher = Matcher(Chain("inbound-8080", new() { DestinationPort = 8080, PrefixRanges = [Cidr("10.1.1.1/32")] }));
        var inspection = Inspection();
        inspection.OriginalDestination = IPEndPoint.Parse("10.1.1.1:8080");

        Assert.Equal("inbound-8080", Select(matcher, inspection));
    }

    [Fact]
    public void Select_ManyChains_AllocatesNothing()
    {
        var chains = Enumerable.Range(0, 300)
            .Select(i => Chain("c" + i, new() { DestinationPort = 8000 + (i % 10), TransportProtocol = i % 2 == 0 ? "tls" : "raw_buffer", ApplicationProtocols = ["http/1.1"] }))
            .Append(Chain("wild", new() { ServerNames = ["*.example.com"], PrefixRanges = [Cidr("10.0.0.0/8")] }))
            .ToArray();
        var matcher = new FilterChainMatcher(chains, null);
        var inspection = Inspection(destination: "10.0.0.1:8003", alpn: ["h2", "http/1.1"]);
        var other = Inspection(sni: "www.example.com", transport: "tls");
        Assert.Equal("c3", Select(matcher, inspection));
        Assert.Equal("wild", Select(matcher, other));

        Assert.Equal(0, Allocations.Fewest(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                matcher.Select(inspection);
                matcher.Select(other);
            }
        }));
    }

    private static FilterChainMatcher Matcher(params FilterChainRuntime[] chains) => new(chains, null);

    private static string? Select(FilterChainMatcher matcher, ConnectionInspection inspection) => matcher.Select(inspection)?.Config.Name;

    private static FilterChainRuntime Chain(string name, FilterChainMatchConfig? match = null) =>
        new(new FilterChainConfig(name, [new TcpProxyConfig(TcpProxyConfig.FilterName, name, name, null)]) { Match = match ?? FilterChainMatchConfig.Any }, NoFilter.Instance);

    private static CidrRange Cidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return new CidrRange(IPAddress.Parse(text[..slash]), int.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static ConnectionInspection Inspection(
        string? destination = null, string? remote = null, string transport = "raw_buffer", string? sni = null, string[]? alpn = null) =>
        new(destination is null ? Local : IPEndPoint.Parse(destination), remote is null ? Remote : IPEndPoint.Parse(remote))
        {
            TransportProtocol = transport,
            ServerName = sni,
            ApplicationProtocols = alpn,
        };

    private sealed class NoFilter : INetworkFilterFactory
    {
        public static readonly NoFilter Instance = new();

        public string Name => "none";

        public INetworkFilter CreateFilter(ConnectionContext context) => throw new NotSupportedException();
    }
}
