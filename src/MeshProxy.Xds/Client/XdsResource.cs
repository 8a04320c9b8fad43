using Google.Protobuf;

namespace MeshProxy.Xds.Client;

/// <summary>
/// One decoded resource handed to <see cref="IXdsResourceHandler"/>. <paramref name="Version"/> is the per-resource
/// version (Delta) or the response's <c>version_info</c> (state of the world).
/// </summary>
public sealed record XdsResource(string Name, string Version, IMessage Message);
