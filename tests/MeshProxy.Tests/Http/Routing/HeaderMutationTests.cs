using System.Net;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http;
using MeshProxy.Core.Http.Routing;
using static MeshProxy.Tests.Http.Routing.RouteConfigs;

namespace MeshProxy.Tests.Http.Routing;

public class HeaderMutationTests
{
    private static readonly DateTime Start = new(2026, 3, 4, 5, 6, 7, 890, DateTimeKind.Utc);

    private static HeaderMutationConfig RequestAdd(params HeaderValueOptionConfig[] adds) => new() { RequestHeadersToAdd = [.. adds] };

    private static HeaderValueOptionConfig Option(string name, string value, HeaderAppendAction action = HeaderAppendAction.OverwriteIfExistsOrAdd) => new(name, value, action);

    private static RouteTable Layered(HeaderMutationConfig route, HeaderMutationConfig host, HeaderMutationConfig table, bool mostSpecificWins = false)
    {
        var config = Table(Host("h", ["*"], Prefix("/", "c") with { Headers = route }) with { Headers = host }) with
        {
            Headers = table,
            MostSpecificHeaderMutationsWins = mostSpecificWins,
        };
        return RouteTable.Build(config);
    }

    private static InMemoryHttpRequest ApplyRequest(RouteTable table, InMemoryHttpRequest? request = null, HeaderFormatContext context = default)
    {
        request ??= Get("/");
        var decision = table.Match(request, new SequenceRandom(0));
        decision.ApplyRequestHeaders(request, request, context);
        return request;
    }

    private static string? Render(string value, InMemoryHttpRequest? request = null, HeaderFormatContext context = default)
    {
        var table = Single(Prefix("/", "c") with { Headers = RequestAdd(Option("x-out", value)) });
        return ApplyRequest(table, request, context).Get("x-out");
    }

    [Fact]
    public void ApplyRequestHeaders_DefaultOrder_TableOverwritesVirtualHostOverwritesRoute()
    {
        var table = Layered(RequestAdd(Option("x-level", "route")), RequestAdd(Option("x-level", "host")), RequestAdd(Option("x-level", "table")));

        Assert.Equal("table", ApplyRequest(table).Get("x-level"));
    }

    [Fact]
    public void ApplyRequestHeaders_MostSpecificWins_RouteOverwritesOthers()
    {
        var table = Layered(RequestAdd(Option("x-level", "route")), RequestAdd(Option("x-level", "host")), RequestAdd(Option("x-level", "table")), mostSpecificWins: true);

        Assert.Equal("route", ApplyRequest(table).Get("x-level"));
    }

    [Fact]
    public void ApplyRequestHeaders_AddIfAbsentAtEveryLevel_MostSpecificFirstWins()
    {
        var table = Layered(
            RequestAdd(Option("x-level", "route", HeaderAppendAction.AddIfAbsent)),
            RequestAdd(Option("x-level", "host", HeaderAppendAction.AddIfAbsent)),
            RequestAdd(Option("x-level", "table", HeaderAppendAction.AddIfAbsent)));

        Assert.Equal("route", ApplyRequest(table).Get("x-level"));
    }

    [Fact]
    public void ApplyRequestHeaders_AppendIfExistsOrAdd_AddsAnotherField()
    {
        var table = Single(Prefix("/", "c") with { Headers = RequestAdd(Option("x-a", "new", HeaderAppendAction.AppendIfExistsOrAdd)) });

        Assert.Equal("old,new", ApplyRequest(table, Get("/").WithHeader("x-a", "old")).Get("x-a"));
        Assert.Equal("new", ApplyRequest(table).Get("x-a"));
    }

    [Fact]
    public void ApplyRequestHeaders_AddIfAbsent_KeepsExistingValue()
    {
        var table = Single(Prefix("/", "c") with { Headers = RequestAdd(Option("x-a", "new", HeaderAppendAction.AddIfAbsent)) });

        Assert.Equal("old", ApplyRequest(table, Get("/").WithHeader("x-a", "old")).Get("x-a"));
        Assert.Equal("new", ApplyRequest(table).Get("x-a"));
    }

    [Fact]
    public void ApplyRequestHeaders_OverwriteIfExists_OnlyReplacesPresentHeader()
    {
        var table = Single(Prefix("/", "c") with { Headers = RequestAdd(Option("x-a", "new", HeaderAppendAction.OverwriteIfExists)) });

        Assert.Equal("new", ApplyRequest(table, Get("/").WithHeader("x-a", "old").WithHeader("x-a", "older")).Get("x-a"));
        Assert.Null(ApplyRequest(table).Get("x-a"));
    }

    [Fact]
    public void ApplyRequestHeaders_OverwriteIfExistsOrAdd_ReplacesOrAdds()
    {
        var table = Single(Prefix("/", "c") with { Headers = RequestAdd(Option("x-a", "new")) });

        Assert.Equal("new", ApplyRequest(table, Get("/").WithHeader("x-a", "old")).Get("x-a"));
        Assert.Equal("new", ApplyRequest(table).Get("x-a"));
    }

    [Fact]
    public void ApplyRequestHeaders_TwoAddIfAbsentInOneLevel_BothDecidedBeforeAdding()
    {
        // Envoy's HeaderParser decides every entry of a level against the headers as they were before that level.
        var table = Single(Prefix("/", "c") with
        {
            Headers = RequestAdd(Option("x-a", "1", HeaderAppendAction.AddIfAbsent), Option("x-a", "2", HeaderAppendAction.AddIfAbsent)),
        });

        Assert.Equal("1,2", ApplyRequest(table).Get("x-a"));
    }

    [Fact]
    public void ApplyRequestHeaders_RemoveAndAddSameName_RemovesFirstThenAdds()
    {
        var headers = new HeaderMutationConfig { RequestHeadersToRemove = ["x-a"], RequestHeadersToAdd = [Option("x-a", "new", HeaderAppendAction.AppendIfExistsOrAdd)] };
        var table = Single(Prefix("/", "c") with { Headers = headers });

        Assert.Equal("new", ApplyRequest(table, Get("/").WithHeader("x-a", "old")).Get("x-a"));
    }

    [Fact]
    public void ApplyRequestHeaders_EmptyRenderedValue_SkippedUnlessKeepEmptyValue()
    {
        var table = Single(Prefix("/", "c") with
        {
            Headers = RequestAdd(Option("x-skip", "%REQ(x-missing)%"), Option("x-keep", "%REQ(x-missing)%") with { KeepEmptyValue = true }),
        });

        var request = ApplyRequest(table);

        Assert.Null(request.Get("x-skip"));
        Assert.Equal(string.Empty, request.Get("x-keep"));
    }

    [Fact]
    public void ApplyRequestHeaders_WeightedCluster_AppliesItsHeadersBeforeRoute()
    {
        var action = new ForwardActionConfig
        {
            WeightedClusters = [new WeightedClusterConfig("a", 1) { Headers = RequestAdd(Option("x-from", "cluster", HeaderAppendAction.AddIfAbsent), Option("x-cluster", "a")) }],
        };
        var route = Route(new RouteMatchConfig(PathMatchKind.Prefix, "/"), action) with { Headers = RequestAdd(Option("x-from", "route", HeaderAppendAction.AddIfAbsent)) };

        var request = ApplyRequest(Single(route));

        Assert.Equal("cluster", request.Get("x-from"));
        Assert.Equal("a", request.Get("x-cluster"));
    }

    [Fact]
    public void ApplyResponseHeaders_AllLevels_AppliedToResponseWithRequestVariables()
    {
        var route = Prefix("/", "c") with
        {
            Headers = new HeaderMutationConfig { ResponseHeadersToAdd = [Option("x-echo", "%REQ(x-id)%")], ResponseHeadersToRemove = ["server"] },
        };
        var table = RouteTable.Build(Table(Host("h", ["*"], route)) with
        {
            Headers = new HeaderMutationConfig { ResponseHeadersToAdd = [Option("x-table", "t")] },
        });
        var request = Get("/").WithHeader("x-id", "42");
        var response = new InMemoryHttpHeaders();
        response.Add("server", "app");

        table.Match(request, RandomSource.Shared).ApplyResponseHeaders(request, response, default);

        Assert.Equal("42", response.Get("x-echo"));
        Assert.Equal("t", response.Get("x-table"));
        Assert.Null(response.Get("server"));
        Assert.Null(request.Get("x-echo"));
    }

    [Fact]
    public void Format_DownstreamAddresses_RenderWithAndWithoutPort()
    {
        var request = Get("/");
        request.RemoteAddress = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 4567);
        request.LocalAddress = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 15006);

        Assert.Equal("10.1.2.3:4567", Render("%DOWNSTREAM_REMOTE_ADDRESS%", request));
        Assert.Equal("10.1.2.3", Render("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", request));
        Assert.Equal("[2001:db8::1]:15006", Render("%DOWNSTREAM_LOCAL_ADDRESS%", request));
        Assert.Equal("2001:db8::1", Render("%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", request));
    }

    [Fact]
    public void Format_UpstreamRemoteAddress_RendersWhenKnownElseSkipsHeader()
    {
        Assert.Equal("10.0.0.9:8080", Render("%UPSTREAM_REMOTE_ADDRESS%", context: new HeaderFormatContext(Start, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 8080))));
        Assert.Null(Render("%UPSTREAM_REMOTE_ADDRESS%"));
    }

    [Theory]
    [InlineData(HttpProtocol.Http10, "HTTP/1.0")]
    [InlineData(HttpProtocol.Http11, "HTTP/1.1")]
    [InlineData(HttpProtocol.Http2, "HTTP/2")]
    [InlineData(HttpProtocol.Http3, "HTTP/3")]
    public void Format_Protocol_RendersEnvoyName(HttpProtocol protocol, string expected)
    {
        var request = Get("/");
        request.Protocol = protocol;

        Assert.Equal(expected, Render("%PROTOCOL%", request));
    }

    [Fact]
    public void Format_Req_RendersFirstValueFallbackAndTruncation()
    {
        var request = Get("/p").WithHeader("x-user", "jason").WithHeader("x-user", "other").WithHeader("x-b", "bee");

        Assert.Equal("user=jason", Render("user=%REQ(X-User)%", request));
        Assert.Equal("bee", Render("%REQ(x-missing?x-b)%", request));
        Assert.Equal("jas", Render("%REQ(x-user):3%", request));
        Assert.Equal("example.com/p", Render("%REQ(:authority)%%REQ(:path)%", request));
    }

    [Fact]
    public void Format_HostnameAndStartTime_Render()
    {
        Assert.Equal(Dns.GetHostName(), Render("%HOSTNAME%"));
        Assert.Equal("2026-03-04T05:06:07.890Z", Render("%START_TIME%", context: new HeaderFormatContext(Start)));
    }

    [Theory]
    [InlineData("100%%", "100%")]
    [InlineData("%UNKNOWN_VAR%", "%UNKNOWN_VAR%")]
    [InlineData("50% off", "50% off")]
    [InlineData("%REQ()%", "%REQ()%")]
    [InlineData("%REQ(x):0%", "%REQ(x):0%")]
    [InlineData("%REQ(a?b?c)%", "%REQ(a?b?c)%")]
    [InlineData("%START_TIME(%s)%", "%START_TIME(%s)%")]
    public void Format_LiteralPercentAndUnknownCommands_KeptAsText(string value, string expected)
    {
        Assert.Equal(expected, Render(value));
    }
}
