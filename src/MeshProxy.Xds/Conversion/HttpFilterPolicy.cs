using Google.Protobuf.WellKnownTypes;
using FaultProto = Envoy.Extensions.Filters.Http.Fault.V3.HTTPFault;
using WasmProto = Envoy.Extensions.Filters.Http.Wasm.V3.Wasm;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Which HTTP filters MeshProxy may skip. A filter that only observes or decorates (stats, peer metadata, ALPN
/// override, gRPC stats, CORS, a fault filter with nothing configured) is skipped with a warning; one that decides
/// whether or where a request goes (RBAC, ext_authz, JWT, rate limits, active faults, Lua, arbitrary Wasm, anything
/// unknown) is required, and a listener carrying it is refused. The README's "Filter policy" is the reference.
/// </summary>
internal static class HttpFilterPolicy
{
    /// <summary>What to do with one filter.</summary>
    public enum Verdict
    {
        /// <summary>The router: converted.</summary>
        Router,

        /// <summary>Skipped; <c>Reason</c> says why it is safe.</summary>
        Skip,

        /// <summary>Required but unsupported; <c>Reason</c> names what it would decide.</summary>
        Reject,
    }

    private static readonly Dictionary<string, string> ObservingTypes = new(StringComparer.Ordinal)
    {
        [FilterTypeUrls.PeerMetadata] = "Istio peer metadata exchange only adds telemetry headers",
        [FilterTypeUrls.HttpMetadataExchange] = "Istio metadata exchange only adds telemetry headers",
        [FilterTypeUrls.IstioStats] = "Istio stats only observe",
        [FilterTypeUrls.IstioAlpn] = "Istio's ALPN override only matters for upstream TLS, which MeshProxy does not originate yet",
        [FilterTypeUrls.GrpcStats] = "gRPC stats only observe",
        [FilterTypeUrls.Cors] = "CORS only answers browser preflights and adds response headers; not supported yet",
        [FilterTypeUrls.CorsPolicy] = "CORS only answers browser preflights and adds response headers; not supported yet",
    };

    // Istio's names, for observing filters whose type URL a newer Istio may change.
    private static readonly Dictionary<string, string> ObservingIstioNames = new(StringComparer.Ordinal)
    {
        ["istio.metadata_exchange"] = "Istio metadata exchange only adds telemetry headers",
        ["istio.stats"] = "Istio stats only observe",
        ["istio.alpn"] = "Istio's ALPN override only matters for upstream TLS, which MeshProxy does not originate yet",
        ["envoy.filters.http.grpc_stats"] = "gRPC stats only observe",
        ["envoy.filters.http.cors"] = "CORS only answers browser preflights and adds response headers; not supported yet",
    };

    private static readonly Dictionary<string, string> DecidingTypes = new(StringComparer.Ordinal)
    {
        [FilterTypeUrls.Rbac] = "RBAC decides which requests are allowed",
        [FilterTypeUrls.ExtAuthz] = "ext_authz decides which requests are allowed",
        [FilterTypeUrls.JwtAuthn] = "jwt_authn rejects requests without a valid token",
        [FilterTypeUrls.LocalRateLimit] = "local_ratelimit rejects requests over the limit",
        [FilterTypeUrls.RateLimit] = "ratelimit rejects requests over the limit",
        [FilterTypeUrls.Lua] = "a Lua script may change or reject any request",
        [FilterTypeUrls.ExtProc] = "ext_proc may change or reject any request",
    };

    /// <summary>Classifies a filter by its (TypedStruct-unwrapped) type URL, then by Istio's well-known names.</summary>
    /// <param name="name">The filter's configured name.</param>
    /// <param name="config">Its typed_config (may be a TypedStruct); null when it has none.</param>
    /// <param name="path">Path of the typed config, for decode errors.</param>
    /// <param name="context">Where decode errors go.</param>
    /// <param name="reason">Why (for Skip and Reject).</param>
    /// <returns>Null when the config does not decode (an error was recorded).</returns>
    public static Verdict? Classify(string name, Any? config, string path, ConversionContext context, out string reason)
    {
        reason = string.Empty;
        string typeUrl;
        if (config is null)
        {
            typeUrl = string.Empty;
        }
        else
        {
            if (TypedConfig.Resolve(config, path, context) is not { } resolved)
            {
                return null;
            }

            typeUrl = resolved.TypeUrl;
            if (typeUrl == FilterTypeUrls.Router)
            {
                return Verdict.Router;
            }

            if (ObservingTypes.TryGetValue(typeUrl, out var observing))
            {
                reason = observing;
                return Verdict.Skip;
            }

            if (DecidingTypes.TryGetValue(typeUrl, out var deciding))
            {
                reason = deciding;
                return Verdict.Reject;
            }

            if (typeUrl == FilterTypeUrls.Fault && resolved.Struct is null)
            {
                return ClassifyFault(config, path, context, out reason);
            }

            if (typeUrl == FilterTypeUrls.Wasm && resolved.Struct is null)
            {
                return ClassifyWasm(config, path, context, out reason);
            }
        }

        if (ObservingIstioNames.TryGetValue(name, out var byName) && typeUrl is not (FilterTypeUrls.Fault or FilterTypeUrls.Wasm))
        {
            reason = byName;
            return Verdict.Skip;
        }

        reason = typeUrl.Length == 0 ? "unknown filter (no typed_config)" : $"unknown filter type {typeUrl}";
        return Verdict.Reject;
    }

    private static Verdict? ClassifyFault(Any config, string path, ConversionContext context, out string reason)
    {
        reason = string.Empty;
        if (TypedConfig.Unpack<FaultProto>(config, path, context) is not { } fault)
        {
            return null;
        }

        if (fault.Abort is null && fault.Delay is null && fault.ResponseRateLimit is null)
        {
            reason = "the fault filter configures no abort, delay or rate limit";
            return Verdict.Skip;
        }

        reason = "fault injection with abort, delay or rate limit changes responses";
        return Verdict.Reject;
    }

    private static Verdict? ClassifyWasm(Any config, string path, ConversionContext context, out string reason)
    {
        reason = string.Empty;
        if (TypedConfig.Unpack<WasmProto>(config, path, context) is not { } wasm)
        {
            return null;
        }

        var code = wasm.Config?.VmConfig?.Code?.Local?.InlineString ?? string.Empty;
        if (FilterTypeUrls.IsIstioBuiltinWasm(code))
        {
            reason = $"Istio's built-in '{code}' plugin only observes";
            return Verdict.Skip;
        }

        reason = "a Wasm plugin may change or reject any request";
        return Verdict.Reject;
    }
}
