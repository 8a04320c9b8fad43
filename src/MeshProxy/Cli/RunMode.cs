namespace MeshProxy.Cli;

/// <summary>Envoy's <c>--mode</c>: <c>serve</c> (default) or <c>validate</c> (load, check, exit).</summary>
internal enum RunMode
{
    Serve,
    Validate,
}
