namespace MeshProxy.Xds.Client;

/// <summary>
/// Follows the initial fetch: the first CDS response, then every EDS name subscribed by then, then LDS (only now
/// requested), then every RDS name subscribed by then. Each step ends when answered or when its timeout fires. Used
/// from the client's loop only.
/// </summary>
internal sealed class InitialFetchTracker
{
    private readonly HashSet<string> _answeredEndpoints = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answeredRoutes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<InitialFetchPhase> _timedOut = [];
    private bool _clustersAnswered;
    private bool _listenersAnswered;

    public InitialFetchPhase Phase { get; private set; } = InitialFetchPhase.Clusters;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>LDS is requested only once clusters and their endpoints are in (or timed out).</summary>
    public bool ListenersReleased => Phase >= InitialFetchPhase.Listeners;

    public IReadOnlyCollection<string> PendingNames => _pending;

    public void OnResponse(string typeUrl, IEnumerable<string> names)
    {
        switch (typeUrl)
        {
            case XdsTypeUrls.Cluster:
                _clustersAnswered = true;
                break;
            case XdsTypeUrls.Listener:
                _listenersAnswered = true;
                break;
            case XdsTypeUrls.ClusterLoadAssignment:
                _answeredEndpoints.UnionWith(names);
                break;
            case XdsTypeUrls.RouteConfiguration:
                _answeredRoutes.UnionWith(names);
                break;
        }
    }

    public void OnTimeout(InitialFetchPhase phase)
    {
        if (phase == Phase)
        {
            _timedOut.Add(phase);
        }
    }

    /// <summary>Moves through every step that is finished; returns whether the phase changed.</summary>
    /// <param name="desiredNames">The current subscription of a named type.</param>
    public bool Advance(Func<string, IReadOnlyCollection<string>> desiredNames)
    {
        var start = Phase;
        while (true)
        {
            switch (Phase)
            {
                case InitialFetchPhase.Clusters when _clustersAnswered || _timedOut.Contains(Phase):
                    Enter(InitialFetchPhase.Endpoints, desiredNames(XdsTypeUrls.ClusterLoadAssignment), _answeredEndpoints);
                    continue;
                case InitialFetchPhase.Endpoints when StepDone(desiredNames(XdsTypeUrls.ClusterLoadAssignment), _answeredEndpoints):
                    Enter(InitialFetchPhase.Listeners, [], _answeredRoutes);
                    continue;
                case InitialFetchPhase.Listeners when _listenersAnswered || _timedOut.Contains(Phase):
                    Enter(InitialFetchPhase.Routes, desiredNames(XdsTypeUrls.RouteConfiguration), _answeredRoutes);
                    continue;
                case InitialFetchPhase.Routes when StepDone(desiredNames(XdsTypeUrls.RouteConfiguration), _answeredRoutes):
                    Phase = InitialFetchPhase.Done;
                    Completion.TrySetResult();
                    continue;
            }

            return Phase != start;
        }
    }

    private void Enter(InitialFetchPhase phase, IReadOnlyCollection<string> names, HashSet<string> answered)
    {
        Phase = phase;
        _pending.Clear();
        _pending.UnionWith(names);
        _pending.ExceptWith(answered);
    }

    private bool StepDone(IReadOnlyCollection<string> desired, HashSet<string> answered)
    {
        // A name unsubscribed while pending is no longer waited for.
        _pending.IntersectWith(desired);
        _pending.ExceptWith(answered);
        return _pending.Count == 0 || _timedOut.Contains(Phase);
    }
}
