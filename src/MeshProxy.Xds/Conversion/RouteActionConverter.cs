using System.Collections.Immutable;
using Envoy.Config.Route.V3;
using MeshProxy.Core.Config.Http;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Xds.Conversion;

/// <summary>Envoy's <c>RouteAction</c> (forward), <c>RedirectAction</c> and <c>DirectResponseAction</c>.</summary>
internal static class RouteActionConverter
{
    public static ForwardActionConfig? ConvertForward(RouteAction action, string path, ConversionContext context)
    {
        var ok = UnsupportedFields.Reject(
            action, path, context, "it changes which hosts serve the request",
            [.. ForwardHandled, .. ForwardWarned]);
        UnsupportedFields.Warn(action, path, context, [.. ForwardHandled, .. ForwardRejected]);
        for (var i = 0; i < action.UpgradeConfigs.Count; i++)
        {
            if (action.UpgradeConfigs[i].ConnectConfig is not null)
            {
                // Terminating CONNECT (answer 200 here, open raw TCP upstream) is a different contract from the
                // forwarding we do (CONNECT passed upstream as HTTP); serving one for the other would break the tunnel.
                context.Error(
                    FieldPath.Field(FieldPath.Index(FieldPath.Field(path, "upgrade_configs"), i), "connect_config"),
                    "terminating CONNECT is not supported; without connect_config MeshProxy forwards CONNECT to the upstream as HTTP");
                ok = false;
            }
        }

        var result = new ForwardActionConfig();
        switch (action.ClusterSpecifierCase)
        {
            case RouteAction.ClusterSpecifierOneofCase.Cluster when action.Cluster.Length > 0:
                result = result with { Cluster = action.Cluster };
                break;
            case RouteAction.ClusterSpecifierOneofCase.ClusterHeader when action.ClusterHeader.Length > 0:
                result = result with { ClusterHeader = action.ClusterHeader.ToLowerInvariant() };
                break;
            case RouteAction.ClusterSpecifierOneofCase.WeightedClusters:
                var weighted = ConvertWeighted(action.WeightedClusters, FieldPath.Field(path, "weighted_clusters"), context);
                ok &= !weighted.IsDefault;
                result = result with { WeightedClusters = weighted.IsDefault ? [] : weighted };
                break;
            case RouteAction.ClusterSpecifierOneofCase.Cluster:
                context.Error(FieldPath.Field(path, "cluster"), "a cluster name is required");
                ok = false;
                break;
            case RouteAction.ClusterSpecifierOneofCase.ClusterHeader:
                context.Error(FieldPath.Field(path, "cluster_header"), "a header name is required");
                ok = false;
                break;
            case RouteAction.ClusterSpecifierOneofCase.None:
                context.Error(path, "a cluster specifier (cluster, weighted_clusters or cluster_header) is required");
                ok = false;
                break;
            default:
                // cluster_specifier_plugin and inline_cluster_specifier_plugin: named by Reject() above.
                ok = false;
                break;
        }

        if (action.PrefixRewrite.Length > 0)
        {
            result = result with { PrefixRewrite = action.PrefixRewrite };
        }

        if (action.RegexRewrite is not null)
        {
            var rewrite = ConvertRegexRewrite(action.RegexRewrite, FieldPath.Field(path, "regex_rewrite"), context);
            ok &= rewrite is not null;
            result = result with { RegexRewrite = rewrite };
        }

        if (action.PrefixRewrite.Length > 0 && action.RegexRewrite is not null)
        {
            context.Error(FieldPath.Field(path, "regex_rewrite"), "prefix_rewrite and regex_rewrite are mutually exclusive");
            ok = false;
        }

        switch (action.HostRewriteSpecifierCase)
        {
            case RouteAction.HostRewriteSpecifierOneofCase.HostRewriteLiteral:
                result = result with { HostRewriteLiteral = action.HostRewriteLiteral };
                break;
            case RouteAction.HostRewriteSpecifierOneofCase.AutoHostRewrite:
                result = result with { AutoHostRewrite = action.AutoHostRewrite ?? false };
                break;
        }

        var timeout = DurationConverter.Convert(action.Timeout, ForwardActionConfig.DefaultTimeout, FieldPath.Field(path, "timeout"), context, allowZero: true);
        ok &= timeout is not null;
        TimeSpan? idle = null;
        if (action.IdleTimeout is not null)
        {
            idle = DurationConverter.Convert(action.IdleTimeout, TimeSpan.Zero, FieldPath.Field(path, "idle_timeout"), context, allowZero: true);
            ok &= idle is not null;
        }

        RetryPolicyConfig? retry = null;
        if (action.RetryPolicy is not null)
        {
            retry = ConvertRetryPolicy(action.RetryPolicy, FieldPath.Field(path, "retry_policy"), context);
            ok &= retry is not null;
        }

        var hashes = ImmutableArray.CreateBuilder<HashPolicyConfig>(action.HashPolicy.Count);
        for (var i = 0; i < action.HashPolicy.Count; i++)
        {
            if (ConvertHashPolicy(action.HashPolicy[i], FieldPath.Index(FieldPath.Field(path, "hash_policy"), i), context) is { } hash)
            {
                hashes.Add(hash);
            }
        }

        if (!ok)
        {
            return null;
        }

        return result with
        {
            // Envoy: 0s disables the route timeout.
            Timeout = timeout == TimeSpan.Zero ? null : timeout,
            IdleTimeout = idle,
            RetryPolicy = retry,
            HashPolicy = hashes.ToImmutable(),
        };
    }

    // Fields converted above.
    private static readonly string[] ForwardHandled =
    [
        "cluster", "cluster_header", "weighted_clusters", "prefix_rewrite", "regex_rewrite", "host_rewrite_literal",
        "auto_host_rewrite", "timeout", "idle_timeout", "retry_policy", "hash_policy",
    ];

    // Fields that pick other hosts or clusters than the ones converted: ignoring them would misroute.
    private static readonly string[] ForwardRejected =
    [
        "cluster_specifier_plugin", "inline_cluster_specifier_plugin", "metadata_match", "path_rewrite_policy",
    ];

    // Everything else (mirroring, CORS, upgrades, max_stream_duration, ...) only decorates: warned about, not refused.
    private static readonly string[] ForwardWarned = [.. ProtoSchema.Envoy.GetMessage(typeof(RouteAction)).Fields
        .Select(f => f.Name)
        .Where(n => !ForwardHandled.Contains(n) && !ForwardRejected.Contains(n))];

    private static ImmutableArray<WeightedClusterConfig> ConvertWeighted(WeightedCluster weighted, string path, ConversionContext context)
    {
        var ok = true;
        var result = ImmutableArray.CreateBuilder<WeightedClusterConfig>(weighted.Clusters.Count);
        ulong total = 0;
        var clustersPath = FieldPath.Field(path, "clusters");
        if (weighted.Clusters.Count == 0)
        {
            context.Error(clustersPath, "at least one cluster is required");
            return default;
        }

        for (var i = 0; i < weighted.Clusters.Count; i++)
        {
            var cluster = weighted.Clusters[i];
            var itemPath = FieldPath.Index(clustersPath, i);
            if (cluster.Name.Length == 0)
            {
                context.Error(
                    FieldPath.Field(itemPath, "name"),
                    cluster.ClusterHeader.Length > 0 ? "cluster_header in weighted clusters is not supported; name the cluster" : "a cluster name is required");
                ok = false;
            }

            ok &= UnsupportedFields.Reject(cluster, itemPath, context, "it changes which hosts serve the request", "name", "weight", "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove", "host_rewrite_literal", "typed_per_filter_config", "cluster_header");
            UnsupportedFields.Warn(cluster, itemPath, context, "name", "weight", "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove", "host_rewrite_literal", "metadata_match", "typed_per_filter_config", "cluster_header");
            ok &= PerFilterConfigChecker.Check(cluster.TypedPerFilterConfig, FieldPath.Field(itemPath, "typed_per_filter_config"), context);
            var headers = HeaderMutationConverter.Convert(
                cluster.RequestHeadersToAdd, cluster.RequestHeadersToRemove, cluster.ResponseHeadersToAdd, cluster.ResponseHeadersToRemove, itemPath, context);
            ok &= headers is not null;
            var weight = cluster.Weight ?? 0;
            total += weight;
            result.Add(new WeightedClusterConfig(cluster.Name, weight)
            {
                Headers = headers ?? HeaderMutationConfig.None,
                HostRewriteLiteral = cluster.HostRewriteLiteral.Length > 0 ? cluster.HostRewriteLiteral : null,
            });
        }

        if (total == 0)
        {
            context.Error(path, "total weight is 0");
            ok = false;
        }
        else if (total > uint.MaxValue)
        {
            context.Error(path, $"total weight {total} exceeds {uint.MaxValue}");
            ok = false;
        }
#pragma warning disable CS0612 // total_weight is deprecated but still honoured by Envoy when set.
        else if (weighted.TotalWeight is { } declared && declared != total)
        {
            context.Error(FieldPath.Field(path, "total_weight"), $"total_weight {declared} does not equal the sum of the weights ({total})");
            ok = false;
        }
#pragma warning restore CS0612

        UnsupportedFields.Warn(weighted, path, context, "clusters", "total_weight");
        return ok ? result.ToImmutable() : default;
    }

    private static RegexRewriteConfig? ConvertRegexRewrite(Envoy.Type.Matcher.V3.RegexMatchAndSubstitute rewrite, string path, ConversionContext context)
    {
        var regex = RegexConverter.Convert(rewrite.Pattern, FieldPath.Field(path, "pattern"), context, anchored: false);
        return regex is null ? null : new RegexRewriteConfig(regex, RegexConverter.ConvertSubstitution(rewrite.Substitution));
    }

    // Envoy's retry_on tokens (router/retry_state_impl.cc and the gRPC ones).
    private static readonly HashSet<string> RetryOnTokens = new(StringComparer.Ordinal)
    {
        "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited", "retriable-4xx",
        "refused-stream", "retriable-status-codes", "retriable-headers", "http3-post-connect-failure",
        "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
    };

    public static RetryPolicyConfig? ConvertRetryPolicy(RetryPolicy policy, string path, ConversionContext context)
    {
        var ok = true;
        var tokens = ImmutableArray.CreateBuilder<string>();
        foreach (var raw in policy.RetryOn.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!RetryOnTokens.Contains(raw))
            {
                context.Warning(FieldPath.Field(path, "retry_on"), $"unknown retry condition '{raw}' ignored");
            }
            else if (raw == "retriable-headers" && policy.RetriableHeaders.Count > 0)
            {
                // The router decides retries from status, rate-limit flag and grpc-status only; it cannot read response
                // headers, so these responses would not be retried where Envoy retries them. (Without retriable_headers
                // the condition never holds in Envoy either, and is kept as the no-op it is.)
                context.Error(
                    FieldPath.Field(path, "retry_on"),
                    "'retriable-headers' with retriable_headers is not supported: MeshProxy's retry decision does not read response headers");
                ok = false;
            }
            else
            {
                tokens.Add(raw);
            }
        }

        var perTry = (TimeSpan?)null;
        if (policy.PerTryTimeout is not null)
        {
            perTry = DurationConverter.Convert(policy.PerTryTimeout, TimeSpan.Zero, FieldPath.Field(path, "per_try_timeout"), context, allowZero: true);
            ok &= perTry is not null;
        }

        var result = new RetryPolicyConfig(tokens.ToImmutable(), policy.NumRetries ?? 1)
        {
            PerTryTimeout = perTry == TimeSpan.Zero ? null : perTry,
        };
        if (policy.RetryBackOff is { } backOff)
        {
            var backOffPath = FieldPath.Field(path, "retry_back_off");
            var baseInterval = DurationConverter.Convert(
                backOff.BaseInterval, TimeSpan.Zero, FieldPath.Field(backOffPath, "base_interval"), context, allowZero: false);
            if (backOff.BaseInterval is null)
            {
                context.Error(FieldPath.Field(backOffPath, "base_interval"), "a base interval is required");
                baseInterval = null;
            }

            var maxInterval = baseInterval is null
                ? null
                : DurationConverter.Convert(backOff.MaxInterval, baseInterval.Value * 10, FieldPath.Field(backOffPath, "max_interval"), context, allowZero: false);
            if (baseInterval is not null && maxInterval is not null && maxInterval < baseInterval)
            {
                context.Error(FieldPath.Field(backOffPath, "max_interval"), "must not be less than base_interval");
                maxInterval = null;
            }

            ok &= maxInterval is not null;
            if (maxInterval is not null)
            {
                result = result with { BackOffBase = baseInterval!.Value, BackOffMax = maxInterval.Value };
            }
        }

        var codes = ImmutableArray.CreateBuilder<int>(policy.RetriableStatusCodes.Count);
        for (var i = 0; i < policy.RetriableStatusCodes.Count; i++)
        {
            var code = policy.RetriableStatusCodes[i];
            if (code is < 100 or > 599)
            {
                context.Error(FieldPath.Index(FieldPath.Field(path, "retriable_status_codes"), i), $"{code} is not an HTTP status code");
                ok = false;
            }
            else
            {
                codes.Add((int)code);
            }
        }

        // Envoy consults retriable_headers only under 'retriable-headers' (refused above when both are set).
        if (policy.RetriableHeaders.Count > 0 && !tokens.Contains("retriable-headers") && ok)
        {
            context.Warning(FieldPath.Field(path, "retriable_headers"), "ignored: only used with 'retriable-headers' in retry_on, as in Envoy");
        }

        // Envoy retries only requests that match retriable_request_headers; ignoring them would retry requests (a
        // non-idempotent POST, say) that the policy excludes.
        if (policy.RetriableRequestHeaders.Count > 0)
        {
            context.Error(FieldPath.Field(path, "retriable_request_headers"), "not supported; ignoring it would retry requests the policy excludes");
            ok = false;
        }

        // Decorations that change which host or when a retry goes, never whether a request is allowed: warned.
        if (policy.RetryHostPredicate.Count > 0)
        {
            context.Warning(
                FieldPath.Field(path, "retry_host_predicate"),
                "ignored (Istio sends previous_hosts): a retry may pick the host that just failed");
        }

        if (policy.HostSelectionRetryMaxAttempts != 0)
        {
            context.Warning(
                FieldPath.Field(path, "host_selection_retry_max_attempts"),
                "ignored: there are no retry host predicates to re-pick for");
        }

        if (policy.RateLimitedRetryBackOff is not null)
        {
            context.Warning(
                FieldPath.Field(path, "rate_limited_retry_back_off"),
                "ignored: retries of rate-limited responses use retry_back_off, not the upstream's reset headers");
        }

        UnsupportedFields.Warn(
            policy, path, context,
            "retry_on", "num_retries", "per_try_timeout", "retry_back_off", "retriable_status_codes", "retriable_headers",
            "retriable_request_headers", "retry_host_predicate", "host_selection_retry_max_attempts", "rate_limited_retry_back_off");
        return ok ? result with { RetriableStatusCodes = codes.ToImmutable() } : null;
    }

    // A hash input MeshProxy cannot compute is dropped with a warning: hashing spreads load, it never decides access.
    private static HashPolicyConfig? ConvertHashPolicy(RouteAction.Types.HashPolicy policy, string path, ConversionContext context)
    {
        HashPolicyConfig? result = null;
        switch (policy.PolicySpecifierCase)
        {
            case RouteAction.Types.HashPolicy.PolicySpecifierOneofCase.Header when policy.Header.HeaderName.Length > 0:
                result = new HashPolicyConfig(HashPolicyKind.Header, policy.Header.HeaderName.ToLowerInvariant());
                UnsupportedFields.Warn(policy.Header, FieldPath.Field(path, "header"), context, "header_name");
                break;
            case RouteAction.Types.HashPolicy.PolicySpecifierOneofCase.Cookie when policy.Cookie.Name.Length > 0:
                TimeSpan? ttl = null;
                if (policy.Cookie.Ttl is not null)
                {
                    ttl = DurationConverter.Convert(policy.Cookie.Ttl, TimeSpan.Zero, FieldPath.Field(FieldPath.Field(path, "cookie"), "ttl"), context, allowZero: true);
                }

                result = new HashPolicyConfig(HashPolicyKind.Cookie, policy.Cookie.Name) { CookieTtl = ttl, CookiePath = policy.Cookie.Path };
                UnsupportedFields.Warn(policy.Cookie, FieldPath.Field(path, "cookie"), context, "name", "ttl", "path");
                break;
            case RouteAction.Types.HashPolicy.PolicySpecifierOneofCase.ConnectionProperties when policy.ConnectionProperties.SourceIp:
                result = new HashPolicyConfig(HashPolicyKind.SourceIp, string.Empty);
                break;
            case RouteAction.Types.HashPolicy.PolicySpecifierOneofCase.QueryParameter when policy.QueryParameter.Name.Length > 0:
                result = new HashPolicyConfig(HashPolicyKind.QueryParameter, policy.QueryParameter.Name);
                break;
            default:
                context.Warning(path, "hash policy not supported (only header, cookie, source_ip and query_parameter); input ignored");
                return null;
        }

        return result with { Terminal = policy.Terminal };
    }

    public static RedirectActionConfig? ConvertRedirect(RedirectAction redirect, string path, ConversionContext context)
    {
        var ok = true;
        var result = new RedirectActionConfig();
        switch (redirect.SchemeRewriteSpecifierCase)
        {
            case RedirectAction.SchemeRewriteSpecifierOneofCase.HttpsRedirect when redirect.HttpsRedirect:
                result = result with { Scheme = "https" };
                break;
            case RedirectAction.SchemeRewriteSpecifierOneofCase.SchemeRedirect when redirect.SchemeRedirect.Length > 0:
                result = result with { Scheme = redirect.SchemeRedirect.ToLowerInvariant() };
                break;
        }

        if (redirect.HostRedirect.Length > 0)
        {
            result = result with { Host = redirect.HostRedirect };
        }

        if (redirect.PortRedirect > SocketAddressConverter.MaxPort)
        {
            context.Error(FieldPath.Field(path, "port_redirect"), $"{redirect.PortRedirect} is not a valid port");
            ok = false;
        }
        else if (redirect.PortRedirect > 0)
        {
            result = result with { Port = (int)redirect.PortRedirect };
        }

        switch (redirect.PathRewriteSpecifierCase)
        {
            case RedirectAction.PathRewriteSpecifierOneofCase.PathRedirect:
                result = result with { Path = redirect.PathRedirect };
                break;
            case RedirectAction.PathRewriteSpecifierOneofCase.PrefixRewrite:
                result = result with { PrefixRewrite = redirect.PrefixRewrite };
                break;
            case RedirectAction.PathRewriteSpecifierOneofCase.RegexRewrite:
                var rewrite = ConvertRegexRewrite(redirect.RegexRewrite, FieldPath.Field(path, "regex_rewrite"), context);
                ok &= rewrite is not null;
                result = result with { RegexRewrite = rewrite };
                break;
        }

        int? code = redirect.ResponseCode switch
        {
            RedirectAction.Types.RedirectResponseCode.MovedPermanently => 301,
            RedirectAction.Types.RedirectResponseCode.Found => 302,
            RedirectAction.Types.RedirectResponseCode.SeeOther => 303,
            RedirectAction.Types.RedirectResponseCode.TemporaryRedirect => 307,
            RedirectAction.Types.RedirectResponseCode.PermanentRedirect => 308,
            _ => null,
        };
        if (code is null)
        {
            context.Error(FieldPath.Field(path, "response_code"), $"unknown redirect response code {(int)redirect.ResponseCode}");
            ok = false;
        }

        UnsupportedFields.Warn(
            redirect, path, context,
            "https_redirect", "scheme_redirect", "host_redirect", "port_redirect", "path_redirect", "prefix_rewrite", "regex_rewrite",
            "response_code", "strip_query");
        return ok ? result with { ResponseCode = code!.Value, StripQuery = redirect.StripQuery } : null;
    }

    public static DirectResponseActionConfig? ConvertDirectResponse(DirectResponseAction direct, string path, ConversionContext context)
    {
        var ok = true;
        if (direct.Status is < 200 or > 599)
        {
            context.Error(FieldPath.Field(path, "status"), $"{direct.Status} is not a valid status (200-599)");
            ok = false;
        }

        var body = ImmutableArray<byte>.Empty;
        if (direct.Body is { } source)
        {
            var bodyPath = FieldPath.Field(path, "body");
            switch (source.SpecifierCase)
            {
                case Envoy.Config.Core.V3.DataSource.SpecifierOneofCase.InlineString:
                    body = [.. System.Text.Encoding.UTF8.GetBytes(source.InlineString)];
                    break;
                case Envoy.Config.Core.V3.DataSource.SpecifierOneofCase.InlineBytes:
                    body = [.. source.InlineBytes.Span];
                    break;
                case Envoy.Config.Core.V3.DataSource.SpecifierOneofCase.None:
                    break;
                default:
                    context.Error(bodyPath, "only inline_string and inline_bytes bodies are supported (no files or environment variables)");
                    ok = false;
                    break;
            }

            UnsupportedFields.Warn(source, bodyPath, context, "filename", "inline_bytes", "inline_string", "environment_variable");
        }

        UnsupportedFields.Warn(direct, path, context, "status", "body");
        return ok ? new DirectResponseActionConfig((int)direct.Status, body) : null;
    }
}
