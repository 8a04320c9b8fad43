namespace MeshProxy.Tests.Http.Conformance;

/// <summary>
/// Tests that bound the process's heap or resident set while 100 MiB flows. Those figures are process-wide, so
/// these run alone, after the parallel tests, rather than next to suites that hold memory of their own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryBoundTransfers
{
    public const string Name = "HTTP conformance: memory-bound transfers";
}
