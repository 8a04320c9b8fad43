using Envoy.Config.Core.V3;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// A <c>transport_socket</c> on a filter chain or cluster. MeshProxy speaks plaintext only so far: <c>raw_buffer</c> is
/// plaintext; TLS is accepted as "requires TLS" with a warning, and the runtime refuses such connections (never
/// serving or sending plaintext in their place); any other socket is an error.
/// </summary>
internal static class TransportSocketConverter
{
    /// <returns>True for TLS, false for plaintext, null when an error was recorded.</returns>
    public static bool? RequiresTls(TransportSocket socket, string path, ConversionContext context, bool upstream)
    {
        var typeUrl = socket.TypedConfig?.TypeUrl ?? string.Empty;
        if (typeUrl.Length == 0)
        {
            // Envoy's name-only form.
            typeUrl = socket.Name switch
            {
                "envoy.transport_sockets.tls" => upstream ? FilterTypeUrls.UpstreamTls : FilterTypeUrls.DownstreamTls,
                "envoy.transport_sockets.raw_buffer" => FilterTypeUrls.RawBuffer,
                _ => typeUrl,
            };
        }

        switch (typeUrl)
        {
            case FilterTypeUrls.RawBuffer:
                return false;
            case FilterTypeUrls.DownstreamTls when !upstream:
                context.Warning(
                    path,
                    "TLS is not supported yet: this chain is kept, but connections it matches are closed (never served in plaintext)");
                return true;
            case FilterTypeUrls.UpstreamTls when upstream:
                context.Warning(
                    path,
                    "TLS origination is not supported yet: connections to this cluster fail (never sent in plaintext)");
                return true;
            default:
                context.Error(path, $"unsupported transport socket '{socket.Name}' ({(typeUrl.Length == 0 ? "no typed_config" : typeUrl)})");
                return null;
        }
    }

    /// <summary>True when the socket is plaintext (raw_buffer), without recording anything.</summary>
    public static bool IsPlaintext(TransportSocket? socket) =>
        socket is null
        || socket.TypedConfig?.TypeUrl == FilterTypeUrls.RawBuffer
        || (socket.TypedConfig is null && socket.Name == "envoy.transport_sockets.raw_buffer");
}
