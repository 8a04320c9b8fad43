namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>
/// A request queued on a pool that is at <c>max_connections</c>. Completed with a released keep-alive connection,
/// or with null when a connection slot freed up (try again) or when the stream gave up (<see cref="Cancelled"/>).
/// Continuations run inline on the thread that completes it: the loop that released the connection.
/// </summary>
internal sealed class Http1PendingRequest
{
    private readonly TaskCompletionSource<Http1UpstreamConnection?> _completion = new(TaskCreationOptions.None);

    public Task<Http1UpstreamConnection?> Task => _completion.Task;

    public bool Cancelled { get; private set; }

    public bool TryComplete(Http1UpstreamConnection? connection) => _completion.TrySetResult(connection);

    public void Cancel()
    {
        Cancelled = true;
        _completion.TrySetResult(null);
    }
}
