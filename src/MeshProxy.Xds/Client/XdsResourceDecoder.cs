using Envoy.Config.Cluster.V3;
using Envoy.Config.Endpoint.V3;
using Envoy.Config.Listener.V3;
using Envoy.Config.Route.V3;
using Envoy.Extensions.TransportSockets.Tls.V3;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace MeshProxy.Xds.Client;

/// <summary>
/// Unpacks the <c>Any</c>s of a response by type URL and checks what the protocol requires before the handler sees
/// anything: every resource has the response's type, decodes, and appears once. A failure is the NACK message, naming
/// the resource by index and name.
/// </summary>
internal static class XdsResourceDecoder
{
    public static MessageParser? ParserFor(string typeUrl) => typeUrl switch
    {
        XdsTypeUrls.Listener => Listener.Parser,
        XdsTypeUrls.RouteConfiguration => RouteConfiguration.Parser,
        XdsTypeUrls.Cluster => Cluster.Parser,
        XdsTypeUrls.ClusterLoadAssignment => ClusterLoadAssignment.Parser,
        XdsTypeUrls.Secret => Secret.Parser,
        _ => null,
    };

    /// <summary>The resource name xDS keys by: <c>name</c>, or <c>cluster_name</c> for a ClusterLoadAssignment.</summary>
    public static string NameOf(IMessage message) => message switch
    {
        Listener listener => listener.Name,
        RouteConfiguration route => route.Name,
        Cluster cluster => cluster.Name,
        ClusterLoadAssignment assignment => assignment.ClusterName,
        Secret secret => secret.Name,
        _ => "",
    };

    public static bool TryDecodeStateOfTheWorld(DiscoveryResponse response, out List<XdsResource> resources, out string error) =>
        TryDecodeStateOfTheWorld(response, memo: null, out resources, out error);

    /// <summary>As above; resources whose bytes the <paramref name="memo"/> holds from the last response are not parsed again.</summary>
    public static bool TryDecodeStateOfTheWorld(DiscoveryResponse response, XdsDecodeMemo? memo, out List<XdsResource> resources, out string error)
    {
        memo?.Begin(response.Resources.Count);
        if (TryDecodeStateOfTheWorldCore(response, memo, out resources, out error))
        {
            memo?.Commit();
            return true;
        }

        memo?.Abandon();
        return false;
    }

    private static bool TryDecodeStateOfTheWorldCore(DiscoveryResponse response, XdsDecodeMemo? memo, out List<XdsResource> resources, out string error)
    {
        resources = new List<XdsResource>(response.Resources.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < response.Resources.Count; i++)
        {
            var any = response.Resources[i];
            var wrapperName = "";
            if (any.TypeUrl == XdsTypeUrls.Resource)
            {
                Resource wrapper;
                try
                {
                    wrapper = Resource.Parser.ParseFrom(any.Value);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    error = $"resources[{i}]: envoy.service.discovery.v3.Resource wrapper does not decode: {ex.Message}";
                    return false;
                }

                if (wrapper.Resource_ is null)
                {
                    error = $"resources[{i}] '{wrapper.Name}': envoy.service.discovery.v3.Resource wrapper has no resource";
                    return false;
                }

                wrapperName = wrapper.Name;
                any = wrapper.Resource_;
            }

            IMessage message;
            string name;
            if (wrapperName.Length == 0 && any.TypeUrl == response.TypeUrl && memo is not null && memo.TryGet(any.Value, out message))
            {
                // The same bytes as a resource of the last response decoded and checked then; carried into the memo
                // of this response, or the push after next would parse it again.
                name = NameOf(message);
                memo.Add(any, message);
            }
            else if (!TryDecodeOne(response.TypeUrl, any, i, wrapperName, out message, out name, out error))
            {
                return false;
            }
            else if (wrapperName.Length == 0)
            {
                memo?.Add(any, message);
            }

            if (!seen.Add(name))
            {
                error = $"resources[{i}] '{name}': duplicate resource name in one response";
                return false;
            }

            resources.Add(new XdsResource(name, response.VersionInfo, message));
        }

        error = "";
        return true;
    }

    public static bool TryDecodeDelta(DeltaDiscoveryResponse response, out List<XdsResource> added, out string error)
    {
        added = new List<XdsResource>(response.Resources.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < response.Resources.Count; i++)
        {
            var wrapper = response.Resources[i];
            if (wrapper.Resource_ is null)
            {
                // A body-less Resource is a TTL heartbeat: nothing changes, there is nothing to hand over.
                continue;
            }

            if (!TryDecodeOne(response.TypeUrl, wrapper.Resource_, i, wrapper.Name, out var message, out var name, out error))
            {
                return false;
            }

            if (!seen.Add(name))
            {
                error = $"resources[{i}] '{name}': duplicate resource name in one response";
                return false;
            }

            added.Add(new XdsResource(name, wrapper.Version, message));
        }

        foreach (var removed in response.RemovedResources)
        {
            if (seen.Contains(removed))
            {
                error = $"removed_resources '{removed}': the same response also adds it";
                return false;
            }
        }

        error = "";
        return true;
    }

    private static bool TryDecodeOne(string responseTypeUrl, Any any, int index, string wrapperName, out IMessage message, out string name, out string error)
    {
        message = null!;
        name = wrapperName;
        var parser = ParserFor(any.TypeUrl);
        if (any.TypeUrl != responseTypeUrl)
        {
            // Name it when we can: decode by its own type if that is one we know.
            if (name.Length == 0 && parser is not null)
            {
                try
                {
                    name = NameOf(parser.ParseFrom(any.Value));
                }
                catch (InvalidProtocolBufferException)
                {
                    // The type mismatch is the error reported; the name stays unknown.
                }
            }

            error = $"resources[{index}]{Quote(name)}: type URL '{any.TypeUrl}' differs from the response type URL '{responseTypeUrl}'";
            return false;
        }

        if (parser is null)
        {
            error = $"resources[{index}]{Quote(name)}: type URL '{any.TypeUrl}' is not a type this client decodes";
            return false;
        }

        try
        {
            message = parser.ParseFrom(any.Value);
        }
        catch (InvalidProtocolBufferException ex)
        {
            error = $"resources[{index}]{Quote(name)}: does not decode as {any.TypeUrl}: {ex.Message}";
            return false;
        }

        var decodedName = NameOf(message);
        if (name.Length == 0)
        {
            name = decodedName;
        }
        else if (decodedName.Length > 0 && decodedName != name)
        {
            error = $"resources[{index}] '{name}': the wrapper names it '{name}' but the resource is named '{decodedName}'";
            return false;
        }

        if (name.Length == 0)
        {
            error = $"resources[{index}]: the resource has no name";
            return false;
        }

        error = "";
        return true;
    }

    private static string Quote(string name) => name.Length == 0 ? "" : $" '{name}'";
}
