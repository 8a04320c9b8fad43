using System.Globalization;
using Envoy.Config.Bootstrap.V3;
using Envoy.Config.Core.V3;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Conversion;
using MeshProxy.Xds.Schema;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Cli;

/// <summary>
/// Turns <c>--xds TARGET --node-id ID ...</c> into the bootstrap pilot-agent would have written: node with Istio's
/// metadata, ADS for LDS and CDS, an admin address. The result goes through the same loader as a file, so the two
/// paths cannot drift.
/// </summary>
internal static class XdsBootstrapBuilder
{
    /// <summary>The Istio version we announce unless <c>--meta ISTIO_VERSION=...</c> says otherwise; istiod gates
    /// features on it, and this is the generation of config MeshProxy is tested against.</summary>
    public const string DefaultIstioVersion = "1.24.0";

    public static BootstrapProto Build(XdsCommandLine xds)
    {
        ArgumentNullException.ThrowIfNull(xds);
        var node = new Node { Id = xds.NodeId, Metadata = new Struct() };
        var istio = IstioNodeId.TryParse(xds.NodeId);
        node.Cluster = xds.NodeCluster ?? (istio is null ? xds.NodeId : $"{istio.Value.Pod}.{istio.Value.Namespace}");

        var fields = node.Metadata.Fields;
        if (istio is { } id)
        {
            // What istiod reads from a sidecar's node (pilot/pkg/model NodeMetadata); --meta overrides any of them.
            fields["ISTIO_VERSION"] = Value.ForString(DefaultIstioVersion);
            fields["CLUSTER_ID"] = Value.ForString("Kubernetes");
            fields["NAMESPACE"] = Value.ForString(id.Namespace);
            fields["NAME"] = Value.ForString(id.Pod);
            fields["WORKLOAD_NAME"] = Value.ForString(id.Pod);
            fields["INSTANCE_IPS"] = Value.ForString(id.Ip);
            fields["INTERCEPTION_MODE"] = Value.ForString("REDIRECT");
            fields["SERVICE_ACCOUNT"] = Value.ForString("default");
            fields["MESH_ID"] = Value.ForString("cluster.local");
            fields["LABELS"] = Value.ForStruct(new Struct());
        }

        foreach (var (key, text) in xds.Metadata)
        {
            fields[key] = ParseValue(text);
        }

        var grpc = new GrpcService.Types.GoogleGrpc { TargetUri = xds.Target, StatPrefix = "ads" };
        if (xds.CaCertificatePath is not null)
        {
            grpc.ChannelCredentials = new GrpcService.Types.GoogleGrpc.Types.ChannelCredentials
            {
                SslCredentials = new GrpcService.Types.GoogleGrpc.Types.SslCredentials
                {
                    RootCerts = new DataSource { Filename = xds.CaCertificatePath },
                },
            };
        }

        var admin = SplitHostPort(xds.AdminAddress);
        return new BootstrapProto
        {
            Node = node,
            Admin = new Envoy.Config.Bootstrap.V3.Admin
            {
                Address = new Address { SocketAddress = new SocketAddress { Address = admin.Host, PortValue = admin.Port } },
            },
            DynamicResources = new BootstrapProto.Types.DynamicResources
            {
                LdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
                CdsConfig = new ConfigSource { Ads = new AggregatedConfigSource(), ResourceApiVersion = ApiVersion.V3 },
                AdsConfig = new ApiConfigSource
                {
                    ApiType = xds.Delta ? ApiConfigSource.Types.ApiType.DeltaGrpc : ApiConfigSource.Types.ApiType.Grpc,
                    TransportApiVersion = ApiVersion.V3,
                    GrpcServices = { new GrpcService { GoogleGrpc = grpc } },
                },
            },
        };
    }

    // JSON objects, arrays, numbers and booleans are taken as JSON (LABELS is a map); anything else is a string.
    private static Value ParseValue(string text)
    {
        var trimmed = text.AsSpan().Trim();
        var looksJson = trimmed.Length > 0
            && (trimmed[0] is '{' or '[' || trimmed is "true" or "false"
                || double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        if (looksJson)
        {
            try
            {
                return ProtoJsonReader.Parse(text, Value.Parser);
            }
            catch (ConfigException)
            {
                // Not valid JSON after all ("{oops"): keep the text as given.
            }
        }

        return Value.ForString(text);
    }

    private static (string Host, uint Port) SplitHostPort(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !uint.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new ConfigException("--admin-address", $"'{text}' is not HOST:PORT");
        }

        return (text[..colon].Trim('[', ']'), port);
    }
}

/// <summary>Istio's sidecar node id: <c>TYPE~IP~POD.NAMESPACE~NAMESPACE.svc.DOMAIN</c>, exactly four parts.</summary>
internal readonly record struct IstioNodeId(string Type, string Ip, string Pod, string Namespace)
{
    public static IstioNodeId? TryParse(string id)
    {
        var parts = id.Split('~');
        if (parts.Length != 4 || parts[1].Length == 0)
        {
            return null;
        }

        var dot = parts[2].LastIndexOf('.');
        return dot <= 0 ? null : new IstioNodeId(parts[0], parts[1], parts[2][..dot], parts[2][(dot + 1)..]);
    }
}
