using MeshProxy.Core.Transport;

namespace MeshProxy.Core;

/// <summary>Process-level settings of a <see cref="ProxyRuntime"/> (not part of any config snapshot).</summary>
public sealed record ProxyRuntimeOptions
{
    /// <summary>Envoy's <c>--drain-time-s</c> default.</summary>
    public static readonly TimeSpan DefaultDrainTime = TimeSpan.FromSeconds(600);

    public static ProxyRuntimeOptions Default { get; } = new();

    /// <summary>
    /// How long the connections of a changed or removed listener may keep running before they are closed. They are
    /// told at once through <see cref="Network.ConnectionContext.DrainToken"/>.
    /// </summary>
    public TimeSpan DrainTime { get; init; } = DefaultDrainTime;

    /// <summary>Where original_dst asks for a connection's pre-NAT destination; the kernel (SO_ORIGINAL_DST) by default.</summary>
    public IOriginalDestinationSource OriginalDestinationSource { get; init; } = KernelOriginalDestinationSource.Instance;
}
