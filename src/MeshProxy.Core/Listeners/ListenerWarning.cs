namespace MeshProxy.Core.Listeners;

/// <summary>A warning that is logged once: shared by the filter factories of one listener snapshot.</summary>
internal sealed class ListenerWarning
{
    private int _claimed;

    /// <summary>True for the first caller only.</summary>
    public bool Claim() => Interlocked.Exchange(ref _claimed, 1) == 0;
}
