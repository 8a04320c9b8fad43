namespace MeshProxy.Xds.Conversion;

/// <summary>One finding about a configuration, pinned to the field it is about.</summary>
/// <param name="Severity">Error (rejects the input) or warning (accepted, with a caveat).</param>
/// <param name="FieldPath">Proto field path in Envoy's snake_case spelling, for example
/// <c>static_resources.listeners[0].address.socket_address.port_value</c>; empty for the input as a whole.</param>
/// <param name="Message">What is wrong, in words.</param>
public sealed record ConfigDiagnostic(ConfigSeverity Severity, string FieldPath, string Message)
{
    /// <summary><c>path: message</c>, or the message alone when there is no path.</summary>
    public override string ToString() => FieldPath.Length == 0 ? Message : $"{FieldPath}: {Message}";
}
