using System.Net;

namespace MeshProxy.Core.Listeners;

/// <summary>A listener that is accepting: its name and the address it is bound to (the real port when 0 was configured).</summary>
public sealed record ActiveListenerInfo(string Name, IPEndPoint EndPoint);
