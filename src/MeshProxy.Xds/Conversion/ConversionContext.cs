using System.Collections.Immutable;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Collects the errors and warnings of one conversion (a bootstrap, or one xDS response). Converters
/// record every problem and keep going, returning null for the part they could not build; the caller
/// decides when to stop with <see cref="ThrowIfErrors"/>.
/// </summary>
public sealed class ConversionContext
{
    private readonly List<ConfigDiagnostic> _errors = [];
    private readonly List<ConfigDiagnostic> _warnings = [];

    public IReadOnlyList<ConfigDiagnostic> Errors => _errors;

    public IReadOnlyList<ConfigDiagnostic> Warnings => _warnings;

    public bool HasErrors => _errors.Count > 0;

    public void Error(string fieldPath, string message) =>
        _errors.Add(new ConfigDiagnostic(ConfigSeverity.Error, fieldPath, message));

    public void Warning(string fieldPath, string message) =>
        _warnings.Add(new ConfigDiagnostic(ConfigSeverity.Warning, fieldPath, message));

    /// <summary>Throws a <see cref="ConfigException"/> holding every error recorded so far, if any.</summary>
    public void ThrowIfErrors()
    {
        if (_errors.Count > 0)
        {
            throw new ConfigException(_errors);
        }
    }

    public ImmutableArray<ConfigDiagnostic> WarningsToImmutable() => [.. _warnings];
}
