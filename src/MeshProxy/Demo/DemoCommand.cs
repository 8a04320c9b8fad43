namespace MeshProxy.Demo;

/// <summary><c>meshproxy demo</c>: built-in upstream and a proxying listener on loopback, no files needed.</summary>
internal static class DemoCommand
{
    public static Task<int> RunAsync(Hosting.HostOptions options, CancellationToken cancellationToken)
    {
        _ = options;
        _ = cancellationToken;
        throw new NotImplementedException();
    }
}
