namespace MeshProxy.Xds.Conversion;

/// <summary>How bad a <see cref="ConfigDiagnostic"/> is.</summary>
public enum ConfigSeverity
{
    /// <summary>The input is accepted; something in it is ignored or behaves differently than in Envoy.</summary>
    Warning,

    /// <summary>The input is rejected (bootstrap: exit 1; xDS: NACK).</summary>
    Error,
}
