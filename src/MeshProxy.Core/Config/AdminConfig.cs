namespace MeshProxy.Core.Config;

/// <summary>Where the admin endpoint listens (Envoy's <c>admin.address</c>).</summary>
public sealed record AdminConfig(SocketAddressConfig Address);
