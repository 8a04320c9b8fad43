using System.Collections.Immutable;
using MeshProxy.Core.Config;
using MeshProxy.Xds.Conversion;
using BootstrapProto = Envoy.Config.Bootstrap.V3.Bootstrap;

namespace MeshProxy.Xds.Bootstrap;

/// <summary>A bootstrap that parsed and converted without errors.</summary>
/// <param name="Proto">The parsed Envoy bootstrap, kept for <c>/config_dump</c> (and xDS settings later).</param>
/// <param name="Config">What the data plane runs.</param>
/// <param name="Warnings">Accepted-with-caveat findings; log each one.</param>
public sealed record LoadedBootstrap(BootstrapProto Proto, ProxyConfig Config, ImmutableArray<ConfigDiagnostic> Warnings)
{
    /// <summary>Where listeners and clusters come from at run time (ADS, files); <see cref="XdsBootstrapConfig.None"/> for a static bootstrap.</summary>
    public XdsBootstrapConfig Dynamic { get; init; } = XdsBootstrapConfig.None;
}
