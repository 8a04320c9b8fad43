using System.Collections.Immutable;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// A configuration was rejected. Carries every error found in one pass (conversion does not stop at the
/// first), so a user fixes a file in one round and an xDS NACK lists all problems of a resource.
/// <see cref="FieldPath"/> is the first error's path; <see cref="Exception.Message"/> lists all errors,
/// one <c>path: message</c> per line.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException()
        : this(string.Empty, "invalid configuration")
    {
    }

    public ConfigException(string message)
        : this(string.Empty, message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : this([new ConfigDiagnostic(ConfigSeverity.Error, string.Empty, message)], innerException)
    {
    }

    public ConfigException(string fieldPath, string message)
        : this([new ConfigDiagnostic(ConfigSeverity.Error, fieldPath, message)], null)
    {
    }

    public ConfigException(IEnumerable<ConfigDiagnostic> errors, Exception? innerException = null)
        : this(ToArray(errors), innerException)
    {
    }

    private ConfigException(ImmutableArray<ConfigDiagnostic> errors, Exception? innerException)
        : base(string.Join('\n', errors), innerException)
    {
        Errors = errors;
    }

    /// <summary>All errors, in the order they were found (document order).</summary>
    public ImmutableArray<ConfigDiagnostic> Errors { get; }

    /// <summary>Path of the first error; empty when the error is about the input as a whole (for example bad YAML).</summary>
    public string FieldPath => Errors[0].FieldPath;

    private static ImmutableArray<ConfigDiagnostic> ToArray(IEnumerable<ConfigDiagnostic> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var array = errors.ToImmutableArray();
        return array.IsEmpty ? [new ConfigDiagnostic(ConfigSeverity.Error, string.Empty, "invalid configuration")] : array;
    }
}
