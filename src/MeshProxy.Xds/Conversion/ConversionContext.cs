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
    private readonly HashSet<(string Resource, string Key)> _warnedOnce = [];

    public IReadOnlyList<ConfigDiagnostic> Errors => _errors;

    public IReadOnlyList<ConfigDiagnostic> Warnings => _warnings;

    public bool HasErrors => _errors.Count > 0;

    public void Error(string fieldPath, string message) =>
        _errors.Add(new ConfigDiagnostic(ConfigSeverity.Error, fieldPath, message));

    public void Warning(string fieldPath, string message) =>
        _warnings.Add(new ConfigDiagnostic(ConfigSeverity.Warning, fieldPath, message));

    /// <summary>
    /// The resource being converted (its path, for example <c>listeners[3]</c>); set by the resource converters
    /// (listener, route configuration, cluster) and scoping <see cref="WarningOncePerResource"/>.
    /// </summary>
    public string Resource { get; set; } = string.Empty;

    /// <summary>
    /// Records the warning unless one with the same <paramref name="key"/> was already recorded for the current
    /// <see cref="Resource"/>: a skipped filter repeated in every chain of a listener is reported once, at its first place.
    /// </summary>
    public void WarningOncePerResource(string key, string fieldPath, string message)
    {
        if (_warnedOnce.Add((Resource, key)))
        {
            Warning(fieldPath, message);
        }
    }

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
