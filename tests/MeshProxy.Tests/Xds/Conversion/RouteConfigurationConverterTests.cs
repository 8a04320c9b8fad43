using System.Text.Json;
using Envoy.Config.Route.V3;
using MeshProxy.Core.Config.Http;
using MeshProxy.Core.Http;
using MeshProxy.Xds.Conversion;
using RandomSource = MeshProxy.Core.Http.Routing.RandomSource;
using RetryPolicyEngine = MeshProxy.Core.Http.Routing.RetryPolicy;
using RouteTable = MeshProxy.Core.Http.Routing.RouteTable;

namespace MeshProxy.Tests.Xds.Conversion;

public sealed class RouteConfigurationConverterTests
{
    private static RouteTableConfig? Convert(string routes, ConversionContext context, string hostExtra = "", string tableExtra = "") =>
        RouteConfigurationConverter.Convert(
            ProtoJson.Parse<RouteConfiguration>(
                """{"name": "80", "virtual_hosts": [{"name": "vh", "domains": ["*"], "routes": [""" + routes + "]" + hostExtra + "}]" + tableExtra + "}"),
            "route_config",
            context);

    private static RouteEntryConfig Single(string route)
    {
        var context = new ConversionContext();
        var table = Convert(route, context);
        Assert.Empty(context.Errors);
        Assert.Empty(context.Warnings);
        return Assert.Single(Assert.Single(table!.VirtualHosts).Routes);
    }

    [Fact]
    public void Convert_WeightedClustersSummingToZero_NamesWeightedClusters()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [{"name": "a", "weight": 0}, {"name": "b"}]}}}""", context));

        Assert.Equal(["route_config.virtual_hosts[0].routes[0].route.weighted_clusters: total weight is 0"], ProtoJson.Lines(context.Errors));
    }

    [Theory]
    [InlineData("""{"match": {"prefix": "/"}}""", "route_config.virtual_hosts[0].routes[0]: a route needs an action (route, redirect or direct_response)")]
    [InlineData("""{"match": {"prefix": "/"}, "route": {"cluster": ""}}""", "route_config.virtual_hosts[0].routes[0].route.cluster: a cluster name is required")]
    [InlineData("""{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [{"name": "", "weight": 1}]}}}""", "route_config.virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].name: a cluster name is required")]
    [InlineData("""{"match": {"safe_regex": {"regex": "/a(b"}}, "route": {"cluster": "c"}}""", "route_config.virtual_hosts[0].routes[0].match.safe_regex.regex: invalid regex '/a(b'")]
    [InlineData("""{"match": {"prefix": "/", "runtime_fraction": {"default_value": {"numerator": 1}}}, "route": {"cluster": "c"}}""", "route_config.virtual_hosts[0].routes[0].match.runtime_fraction: not supported; ignoring this criterion would widen the route")]
    [InlineData("""{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "typed_per_filter_config": {"envoy.filters.http.fault": {"@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault", "delay": {"fixed_delay": "1s"}}}}""", "route_config.virtual_hosts[0].routes[0].typed_per_filter_config[\"envoy.filters.http.fault\"]: per-route config for filter 'envoy.filters.http.fault' is required")]
    public void Convert_InvalidRoute_NamesField(string route, string expected)
    {
        var context = new ConversionContext();

        Assert.Null(Convert(route, context));

        Assert.StartsWith(expected, Assert.Single(context.Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_DuplicateDomainsAndTwoWildcards_AreRejected()
    {
        var context = new ConversionContext();
        var routes = ProtoJson.Parse<RouteConfiguration>("""
            {"name": "r", "virtual_hosts": [
              {"name": "a", "domains": ["*", "Example.com"]},
              {"name": "b", "domains": ["example.COM", "*"]}]}
            """);

        Assert.Null(RouteConfigurationConverter.Convert(routes, "rds[0]", context));

        Assert.Equal(
            [
                "rds[0].virtual_hosts[1].domains[0]: duplicate domain 'example.com' (also in rds[0].virtual_hosts[0])",
                "rds[0].virtual_hosts[1].domains[1]: only one virtual host may have the '*' domain (also rds[0].virtual_hosts[0])",
            ],
            ProtoJson.Lines(context.Errors));
    }

    [Theory]
    [InlineData("""{"prefix": "/api"}""", PathMatchKind.Prefix, "/api")]
    [InlineData("""{"path": "/exact"}""", PathMatchKind.Path, "/exact")]
    [InlineData("""{"path_separated_prefix": "/v1"}""", PathMatchKind.PathSeparatedPrefix, "/v1")]
    public void Convert_PathMatchKinds_AreKept(string match, PathMatchKind kind, string path)
    {
        var entry = Single("""{"match": MATCH, "route": {"cluster": "c"}}""".Replace("MATCH", match, StringComparison.Ordinal));

        Assert.Equal(kind, entry.Match.Kind);
        Assert.Equal(path, entry.Match.Path);
    }

    [Fact]
    public void Convert_ConnectMatcher_IsConnectKindWithEmptyPathAndKeepsHeaders()
    {
        var entry = Single("""
            {"match": {"connect_matcher": {}, "headers": [{"name": "x-tenant", "exact_match": "a"}]}, "route": {"cluster": "tunnel"}}
            """);

        Assert.Equal(PathMatchKind.Connect, entry.Match.Kind);
        Assert.Equal(string.Empty, entry.Match.Path);
        Assert.Null(entry.Match.PathRegex);
        Assert.Equal("x-tenant", Assert.Single(entry.Match.Headers).Name);
    }

    [Fact]
    public void Convert_TerminatingConnectConfig_IsAnErrorNamingIt()
    {
        var context = new ConversionContext();

        Assert.Null(Convert(
            """{"match": {"connect_matcher": {}}, "route": {"cluster": "tcp", "upgrade_configs": [{"upgrade_type": "CONNECT", "connect_config": {}}]}}""",
            context));

        Assert.Equal(
            ["route_config.virtual_hosts[0].routes[0].route.upgrade_configs[0].connect_config: terminating CONNECT is not supported; without connect_config MeshProxy forwards CONNECT to the upstream as HTTP"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_RegexAndCaseInsensitiveAndHeadersAndQuery_AreKept()
    {
        var entry = Single("""
            {"match": {"safe_regex": {"regex": "/users/[0-9]+"}, "case_sensitive": false, "grpc": {},
              "headers": [
                {"name": "X-Exact", "string_match": {"exact": "a", "ignore_case": true}},
                {"name": "x-prefix", "string_match": {"prefix": "b"}},
                {"name": "x-suffix", "string_match": {"suffix": "c"}},
                {"name": "x-contains", "string_match": {"contains": "d"}},
                {"name": "x-regex", "string_match": {"safe_regex": {"regex": "e+"}}},
                {"name": "x-present", "present_match": true},
                {"name": "x-legacy", "exact_match": "f", "invert_match": true},
                {"name": "x-range", "range_match": {"start": 1, "end": 10}}],
              "query_parameters": [{"name": "debug", "present_match": true}, {"name": "v", "string_match": {"exact": "2"}}]},
             "route": {"cluster": "c"}}
            """);

        var match = entry.Match;
        Assert.Equal(PathMatchKind.Regex, match.Kind);
        Assert.Matches(match.PathRegex!, "/users/42");
        Assert.DoesNotMatch(match.PathRegex!, "/users/42/x");
        Assert.False(match.CaseSensitive);
        Assert.Equal(
            [
                ("x-exact", HeaderMatchKind.Value, StringMatchKind.Exact, "a", true, false),
                ("x-prefix", HeaderMatchKind.Value, StringMatchKind.Prefix, "b", false, false),
                ("x-suffix", HeaderMatchKind.Value, StringMatchKind.Suffix, "c", false, false),
                ("x-contains", HeaderMatchKind.Value, StringMatchKind.Contains, "d", false, false),
                ("x-regex", HeaderMatchKind.Value, StringMatchKind.Regex, "e+", false, false),
                ("x-present", HeaderMatchKind.Present, StringMatchKind.Exact, string.Empty, false, false),
                ("x-legacy", HeaderMatchKind.Value, StringMatchKind.Exact, "f", false, true),
                ("x-range", HeaderMatchKind.Range, StringMatchKind.Exact, string.Empty, false, false),
                ("content-type", HeaderMatchKind.Value, StringMatchKind.Prefix, "application/grpc", false, false),
            ],
            match.Headers.Select(h => (h.Name, h.Kind, h.StringMatch?.Kind ?? StringMatchKind.Exact, h.StringMatch?.Value ?? string.Empty, h.StringMatch?.IgnoreCase ?? false, h.Invert)));
        Assert.Matches(match.Headers[4].StringMatch!.Regex!, "eee");
        Assert.Equal((1L, 10L), (match.Headers[7].RangeStart, match.Headers[7].RangeEnd));
        Assert.Equal([("debug", (StringMatcherConfig?)null), ("v", new StringMatcherConfig(StringMatchKind.Exact, "2"))], match.QueryParameters.Select(q => (q.Name, q.Value)));
    }

    [Fact]
    public void Convert_ForwardAction_KeepsEveryField()
    {
        var entry = Single("""
            {"match": {"prefix": "/api/"}, "route": {
              "weighted_clusters": {"clusters": [
                {"name": "v1", "weight": 3, "request_headers_to_add": [{"header": {"key": "x-v", "value": "1"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]},
                {"name": "v2", "weight": 1}]},
              "prefix_rewrite": "/", "host_rewrite_literal": "backend.local", "timeout": "3s", "idle_timeout": "20s",
              "retry_policy": {"retry_on": "5xx,reset,gateway-error", "num_retries": 4, "per_try_timeout": "1s",
                "retry_back_off": {"base_interval": "0.1s", "max_interval": "2s"}, "retriable_status_codes": [502, 504]},
              "hash_policy": [{"header": {"header_name": "X-User"}}, {"cookie": {"name": "sid", "ttl": "60s", "path": "/"}, "terminal": true},
                {"connection_properties": {"source_ip": true}}, {"query_parameter": {"name": "q"}}]}}
            """);

        var action = Assert.IsType<ForwardActionConfig>(entry.Action);
        Assert.Equal([("v1", 3u), ("v2", 1u)], action.WeightedClusters.Select(c => (c.Name, c.Weight)));
        Assert.Equal(
            new HeaderValueOptionConfig("x-v", "1", HeaderAppendAction.OverwriteIfExistsOrAdd),
            Assert.Single(action.WeightedClusters[0].Headers.RequestHeadersToAdd));
        Assert.Equal("/", action.PrefixRewrite);
        Assert.Equal("backend.local", action.HostRewriteLiteral);
        Assert.Equal(TimeSpan.FromSeconds(3), action.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(20), action.IdleTimeout);
        var retry = action.RetryPolicy!;
        Assert.Equal(["5xx", "reset", "gateway-error"], retry.RetryOn.AsEnumerable());
        Assert.Equal(4u, retry.NumRetries);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.PerTryTimeout);
        Assert.Equal((TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)), (retry.BackOffBase, retry.BackOffMax));
        Assert.Equal([502, 504], retry.RetriableStatusCodes.AsEnumerable());
        Assert.Equal(
            [(HashPolicyKind.Header, "x-user", false), (HashPolicyKind.Cookie, "sid", true), (HashPolicyKind.SourceIp, "", false), (HashPolicyKind.QueryParameter, "q", false)],
            action.HashPolicy.Select(h => (h.Kind, h.Name, h.Terminal)));
        Assert.Equal(TimeSpan.FromSeconds(60), action.HashPolicy[1].CookieTtl);
    }

    [Fact]
    public void Convert_ForwardDefaults_AreEnvoys()
    {
        var action = Assert.IsType<ForwardActionConfig>(Single("""{"match": {"prefix": "/"}, "route": {"cluster": "c", "auto_host_rewrite": true, "regex_rewrite": {"pattern": {"regex": "^/v1/(.*)$"}, "substitution": "/\\1"}, "retry_policy": {"retry_on": "5xx"}}}""").Action);

        Assert.Equal("c", action.Cluster);
        Assert.Equal(TimeSpan.FromSeconds(15), action.Timeout);
        Assert.True(action.AutoHostRewrite);
        Assert.Equal("/abc", action.RegexRewrite!.Pattern.Replace("/v1/abc", action.RegexRewrite.Substitution));
        Assert.Equal(1u, action.RetryPolicy!.NumRetries);
        Assert.Equal((TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(250)), (action.RetryPolicy.BackOffBase, action.RetryPolicy.BackOffMax));
    }

    [Fact]
    public void Convert_ClusterHeader_IsLowerCased()
    {
        var action = Assert.IsType<ForwardActionConfig>(Single("""{"match": {"prefix": "/"}, "route": {"cluster_header": "X-Cluster"}}""").Action);

        Assert.Equal("x-cluster", action.ClusterHeader);
    }

    [Fact]
    public void Convert_Redirect_KeepsEveryField()
    {
        var redirect = Assert.IsType<RedirectActionConfig>(Single("""
            {"match": {"prefix": "/old"}, "redirect": {"https_redirect": true, "host_redirect": "new.example.com", "port_redirect": 8443,
              "prefix_rewrite": "/new", "response_code": "TEMPORARY_REDIRECT", "strip_query": true}}
            """).Action);

        Assert.Equal(
            new RedirectActionConfig { Scheme = "https", Host = "new.example.com", Port = 8443, PrefixRewrite = "/new", ResponseCode = 307, StripQuery = true },
            redirect);
        Assert.Equal(
            "/p",
            Assert.IsType<RedirectActionConfig>(Single("""{"match": {"path": "/x"}, "redirect": {"scheme_redirect": "HTTP", "path_redirect": "/p"}}""").Action).Path);
    }

    [Fact]
    public void Convert_DirectResponse_KeepsStatusAndBody()
    {
        var direct = Assert.IsType<DirectResponseActionConfig>(Single("""{"match": {"prefix": "/"}, "direct_response": {"status": 404, "body": {"inline_string": "nope"}}}""").Action);
        var bytes = Assert.IsType<DirectResponseActionConfig>(Single("""{"match": {"prefix": "/"}, "direct_response": {"status": 200, "body": {"inline_bytes": "AAEC"}}}""").Action);

        Assert.Equal(404, direct.Status);
        Assert.Equal("nope"u8.ToArray(), direct.Body.ToArray());
        Assert.Equal([0, 1, 2], bytes.Body.Select(b => (int)b));
    }

    [Fact]
    public void Convert_HeaderMutationsAtEveryLevel_AreKept()
    {
        var context = new ConversionContext();
        var table = Convert(
            """{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "response_headers_to_add": [{"header": {"key": "X-Route", "value": "r"}, "append": false}], "request_headers_to_remove": ["X-Drop"]}""",
            context,
            hostExtra: """, "request_headers_to_add": [{"header": {"key": "x-vh", "value": "v"}, "append_action": "ADD_IF_ABSENT"}]""",
            tableExtra: """, "response_headers_to_remove": ["server"]""")!;

        Assert.Empty(context.Errors);
        var host = table.VirtualHosts[0];
        Assert.Equal(["server"], table.Headers.ResponseHeadersToRemove.AsEnumerable());
        Assert.Equal(new HeaderValueOptionConfig("x-vh", "v", HeaderAppendAction.AddIfAbsent), Assert.Single(host.Headers.RequestHeadersToAdd));
        Assert.Equal(new HeaderValueOptionConfig("x-route", "r", HeaderAppendAction.OverwriteIfExistsOrAdd), Assert.Single(host.Routes[0].Headers.ResponseHeadersToAdd));
        Assert.Equal(["x-drop"], host.Routes[0].Headers.RequestHeadersToRemove.AsEnumerable());
    }

    [Fact]
    public void Convert_IstioDecorations_AreWarningsNotErrors()
    {
        var context = new ConversionContext();

        Assert.NotNull(Convert(
            """{"match": {"prefix": "/"}, "route": {"cluster": "c", "max_stream_duration": {"max_stream_duration": "0s"}}, "decorator": {"operation": "op"}, "typed_per_filter_config": {"envoy.filters.http.cors": {"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"}}}""",
            context));

        Assert.Equal(
            [
                "route_config.virtual_hosts[0].routes[0].route.max_stream_duration: not supported yet; ignored",
                "route_config.virtual_hosts[0].routes[0].typed_per_filter_config[\"envoy.filters.http.cors\"]: per-route config for filter 'envoy.filters.http.cors' ignored (not supported yet)",
                "route_config.virtual_hosts[0].routes[0].decorator: not supported yet; ignored",
            ],
            ProtoJson.Lines(context.Warnings));
    }

    [Theory]
    [InlineData("%START_TIME(%s)%", "'%START_TIME(%s)%' at position 0 is not supported")]
    [InlineData("%UPSTREAM_METADATA([\"istio\",\"canary\"])%", "'%UPSTREAM_METADATA([\"istio\",\"canary\"])%' at position 0 is not supported")]
    [InlineData("%DYNAMIC_METADATA(ns:key)%", "'%DYNAMIC_METADATA(ns:key)%' at position 0 is not supported")]
    [InlineData("%FILTER_STATE(key:PLAIN)%", "'%FILTER_STATE(key:PLAIN)%' at position 0 is not supported")]
    [InlineData("pod-%ENVIRONMENT(POD_NAME)%", "'%ENVIRONMENT(POD_NAME)%' at position 4 is not supported")]
    [InlineData("%RESP(x-a)%", "'%RESP(x-a)%' at position 0 is not supported")]
    [InlineData("100%", "'%' at position 3 does not start a command %NAME% (write '%%' for a literal '%')")]
    [InlineData("1234%apple", "'%' at position 4 does not start a command")]
    public void Convert_UnsupportedHeaderValueCommand_NamesValueField(string value, string expected)
    {
        var context = new ConversionContext();
        var json = JsonSerializer.Serialize(value);

        Assert.Null(Convert(
            """{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "request_headers_to_add": [{"header": {"key": "x-ok", "value": "ok"}}, {"header": {"key": "x-bad", "value": VALUE}}]}""".Replace("VALUE", json, StringComparison.Ordinal),
            context));

        Assert.StartsWith(
            "route_config.virtual_hosts[0].routes[0].request_headers_to_add[1].header.value: " + expected,
            Assert.Single(context.Errors).ToString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_HeaderValueCommandsAtOtherLevels_NameTheirFields()
    {
        var context = new ConversionContext();

        Assert.Null(Convert(
            """{"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [{"name": "a", "weight": 1, "response_headers_to_add": [{"header": {"key": "x-w", "value": "%RESP(x)%"}}]}]}}}""",
            context,
            hostExtra: """, "response_headers_to_add": [{"header": {"key": "x-h", "raw_value": "NTAl"}}]""",
            tableExtra: """, "request_headers_to_add": [{"header": {"key": "x-t", "value": "%HOSTNAME"}}]"""));

        Assert.Equal(
            [
                "route_config.virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].response_headers_to_add[0].header.value",
                "route_config.virtual_hosts[0].response_headers_to_add[0].header.raw_value",
                "route_config.request_headers_to_add[0].header.value",
            ],
            context.Errors.Select(e => e.ToString()[..e.ToString().IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void Convert_IstioLiteralAndSupportedHeaderValues_AreAccepted()
    {
        // Istio copies VirtualService header values verbatim (its validation already refuses a lone '%'); it adds none
        // of its own to sidecar routes.
        var entry = Single("""
            {"match": {"prefix": "/"}, "route": {"cluster": "c"},
             "request_headers_to_add": [
               {"header": {"key": "x-env", "value": "canary"}, "append": false},
               {"header": {"key": "x-pct", "value": "100%%"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"},
               {"header": {"key": "x-client", "value": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"}},
               {"header": {"key": "x-user", "value": "%REQ(x-user?x-anon):16%"}}],
             "response_headers_to_add": [{"header": {"key": "x-served-by", "value": "%HOSTNAME% at %START_TIME%"}}]}
            """);

        Assert.Equal(
            ["canary", "100%%", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "%REQ(x-user?x-anon):16%"],
            entry.Headers.RequestHeadersToAdd.Select(h => h.Value));
        Assert.Equal("%HOSTNAME% at %START_TIME%", Assert.Single(entry.Headers.ResponseHeadersToAdd).Value);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Convert_MostSpecificHeaderMutationsWins_IsKeptAndOrdersMutations(bool mostSpecificWins)
    {
        var context = new ConversionContext();
        var table = Convert(
            """{"match": {"prefix": "/"}, "route": {"cluster": "c"}, "request_headers_to_add": [{"header": {"key": "x-level", "value": "route"}, "append": false}]}""",
            context,
            tableExtra: """, "most_specific_header_mutations_wins": WINS, "request_headers_to_add": [{"header": {"key": "x-level", "value": "table"}, "append": false}]"""
                .Replace("WINS", mostSpecificWins ? "true" : "false", StringComparison.Ordinal))!;
        var request = new InMemoryHttpRequest("GET", "example.com", "/");

        RouteTable.Build(table).Match(request, RandomSource.Shared).ApplyRequestHeaders(request, request, default);

        Assert.Empty(context.Errors);
        Assert.Empty(context.Warnings);
        Assert.Equal(mostSpecificWins, table.MostSpecificHeaderMutationsWins);
        Assert.Equal(mostSpecificWins ? "route" : "table", request.Get("x-level"));
    }

    [Fact]
    public void Convert_RetriableHeadersWithMatchers_IsRefusedNamingRetryOn()
    {
        var context = new ConversionContext();

        Assert.Null(Convert(
            """{"match": {"prefix": "/"}, "route": {"cluster": "c", "retry_policy": {"retry_on": "5xx,retriable-headers", "retriable_headers": [{"name": "x-retry", "present_match": true}]}}}""",
            context));

        Assert.Equal(
            ["route_config.virtual_hosts[0].routes[0].route.retry_policy.retry_on: 'retriable-headers' with retriable_headers is not supported: MeshProxy's retry decision does not read response headers"],
            ProtoJson.Lines(context.Errors));
    }

    [Fact]
    public void Convert_RetryPolicyDecorations_WarnAndRetriableRequestHeadersAreRefused()
    {
        var context = new ConversionContext();

        Assert.Null(Convert(
            """
            {"match": {"prefix": "/"}, "route": {"cluster": "c", "retry_policy": {"retry_on": "retriable-headers,5xx",
              "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts"}], "host_selection_retry_max_attempts": "5",
              "rate_limited_retry_back_off": {"reset_headers": [{"name": "retry-after"}], "max_interval": "10s"},
              "retriable_request_headers": [{"name": ":method", "string_match": {"exact": "GET"}}]}}}
            """,
            context));

        Assert.Equal(
            ["route_config.virtual_hosts[0].routes[0].route.retry_policy.retriable_request_headers: not supported; ignoring it would retry requests the policy excludes"],
            ProtoJson.Lines(context.Errors));
        Assert.Equal(
            [
                "route_config.virtual_hosts[0].routes[0].route.retry_policy.retry_host_predicate: ignored (Istio sends previous_hosts): a retry may pick the host that just failed",
                "route_config.virtual_hosts[0].routes[0].route.retry_policy.host_selection_retry_max_attempts: ignored: there are no retry host predicates to re-pick for",
                "route_config.virtual_hosts[0].routes[0].route.retry_policy.rate_limited_retry_back_off: ignored: retries of rate-limited responses use retry_back_off, not the upstream's reset headers",
            ],
            ProtoJson.Lines(context.Warnings));
    }

    [Fact]
    public void Convert_RetriableHeadersTokenAlone_IsKeptAsTheNoOpItIsInEnvoy()
    {
        var action = Assert.IsType<ForwardActionConfig>(Single("""{"match": {"prefix": "/"}, "route": {"cluster": "c", "retry_policy": {"retry_on": "retriable-headers,reset"}}}""").Action);
        var context = new ConversionContext();
        Convert("""{"match": {"prefix": "/"}, "route": {"cluster": "c", "retry_policy": {"retry_on": "5xx", "retriable_headers": [{"name": "x-retry"}]}}}""", context);

        Assert.Equal(["retriable-headers", "reset"], action.RetryPolicy!.RetryOn.AsEnumerable());
        Assert.False(new RetryPolicyEngine(action.RetryPolicy).ShouldRetryResponse(0, 200));
        Assert.Empty(context.Errors);
        Assert.Equal(
            ["route_config.virtual_hosts[0].routes[0].route.retry_policy.retriable_headers: ignored: only used with 'retriable-headers' in retry_on, as in Envoy"],
            ProtoJson.Lines(context.Warnings));
    }

    [Theory]
    [InlineData(false, false, "v", true)]
    [InlineData(false, false, "", true)]
    [InlineData(false, false, null, false)]
    [InlineData(true, false, "v", false)]
    [InlineData(true, false, null, false)]
    [InlineData(false, true, null, true)]
    [InlineData(true, true, null, false)]
    public void Convert_LegacyEmptyExactMatch_MatchesAnyValueOfAPresentHeader(bool invert, bool treatMissingAsEmpty, string? value, bool matches)
    {
        var entry = Single("""
            {"match": {"prefix": "/", "headers": [{"name": "x-a", "exact_match": "", "invert_match": INVERT,
              "treat_missing_header_as_empty": MISSING}]}, "route": {"cluster": "c"}}
            """.Replace("INVERT", invert ? "true" : "false", StringComparison.Ordinal).Replace("MISSING", treatMissingAsEmpty ? "true" : "false", StringComparison.Ordinal));
        var request = new InMemoryHttpRequest("GET", "example.com", "/");
        if (value is not null)
        {
            request.WithHeader("x-a", value);
        }

        Assert.Equal(new StringMatcherConfig(StringMatchKind.Prefix, string.Empty), Assert.Single(entry.Match.Headers).StringMatch);
        Assert.Equal(matches, RouteTable.Build(new RouteTableConfig("t", [new VirtualHostConfig("h", ["*"]) { Routes = [entry] }])).FindRoute(request) is not null);
    }

    [Fact]
    public void Convert_WeightedClusterHostRewriteLiteral_IsKeptWithoutWarning()
    {
        var action = Assert.IsType<ForwardActionConfig>(Single("""
            {"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": [
              {"name": "a", "weight": 1, "host_rewrite_literal": "a.internal"}, {"name": "b", "weight": 1}]}}}
            """).Action);

        Assert.Equal(["a.internal", null], action.WeightedClusters.Select(c => c.HostRewriteLiteral));
    }

    [Theory]
    [InlineData("""{"safe_regex": {"regex": "/caf\u00e9/.*"}}""", "match.safe_regex.regex", 4)]
    [InlineData("""{"prefix": "/", "headers": [{"name": "x-a", "safe_regex_match": {"regex": "a\\xE9"}}]}""", "match.headers[0].safe_regex_match.regex", 1)]
    [InlineData("""{"prefix": "/", "headers": [{"name": "x-a", "string_match": {"safe_regex": {"regex": "\\x{20AC}+"}}}]}""", "match.headers[0].string_match.safe_regex.regex", 0)]
    [InlineData("""{"prefix": "/", "query_parameters": [{"name": "q", "string_match": {"safe_regex": {"regex": "\u00fc"}}}]}""", "match.query_parameters[0].string_match.safe_regex.regex", 0)]
    public void Convert_RegexWithNonAsciiLiteral_IsRefusedNamingField(string match, string field, int position)
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"match": MATCH, "route": {"cluster": "c"}}""".Replace("MATCH", match, StringComparison.Ordinal), context));

        var error = Assert.Single(context.Errors).ToString();
        Assert.StartsWith($"route_config.virtual_hosts[0].routes[0].{field}: regex '", error, StringComparison.Ordinal);
        Assert.Contains($"has a non-ASCII literal at position {position}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_RegexRewriteWithNonAsciiLiteral_IsRefusedAndAsciiEscapesAreKept()
    {
        var context = new ConversionContext();

        Assert.Null(Convert("""{"match": {"prefix": "/"}, "route": {"cluster": "c", "regex_rewrite": {"pattern": {"regex": "\u00e9"}, "substitution": "e"}}}""", context));
        var entry = Single("""{"match": {"safe_regex": {"regex": "/\\x41\\\\xE9"}}, "route": {"cluster": "c"}}""");

        Assert.StartsWith("route_config.virtual_hosts[0].routes[0].route.regex_rewrite.pattern.regex: regex '", Assert.Single(context.Errors).ToString(), StringComparison.Ordinal);
        Assert.Matches(entry.Match.PathRegex!, "/A\\xE9");
    }
}
