using System.Net;

namespace MeshProxy.Core.Http.Routing;

/// <summary>What header-value variables need beyond the request view: the stream's facts known to the caller.</summary>
/// <param name="StartTimeUtc">When the stream started (<c>%START_TIME%</c>); default renders empty.</param>
/// <param name="UpstreamRemoteAddress">The picked upstream host (<c>%UPSTREAM_REMOTE_ADDRESS%</c>); null before one is picked, which renders empty.</param>
public readonly record struct HeaderFormatContext(DateTime StartTimeUtc, IPEndPoint? UpstreamRemoteAddress = null);
