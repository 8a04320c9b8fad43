namespace MeshProxy.Core.Listeners;

/// <summary>
/// The outcome of applying a set of listeners. Listeners not named in <see cref="Failures"/> were applied; a failed
/// one keeps its previous version (or stays absent when it is new), so the xDS layer can NACK exactly those.
/// </summary>
public sealed class ListenerApplyResult
{
    public ListenerApplyResult(IReadOnlyList<ListenerApplyFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        Failures = failures;
    }

    public static ListenerApplyResult Success { get; } = new([]);

    public IReadOnlyList<ListenerApplyFailure> Failures { get; }

    public bool Succeeded => Failures.Count == 0;

    /// <summary>Every failure on one line each, for logs and NACK messages.</summary>
    public override string ToString() =>
        Succeeded ? "ok" : string.Join(Environment.NewLine, Failures.Select(static f => f.Message));
}

/// <summary>One listener that could not be applied.</summary>
/// <param name="ListenerName">The listener's name.</param>
/// <param name="Message">What went wrong, naming the listener (and the address for bind failures).</param>
public sealed record ListenerApplyFailure(string ListenerName, string Message);
