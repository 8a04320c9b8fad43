using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Running;

namespace MeshProxy.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/MeshProxy.Benchmarks -- --filter '*Stats*'</c>;
/// results land in BenchmarkDotNet.Artifacts/results as GitHub markdown.
/// <c>-- cold-config-dump jsonformatter|protojsonwriter</c> measures one first <c>/config_dump</c> instead
/// (<see cref="ConfigDumpBenchmarks.Cold"/>).
/// </summary>
internal static class Program
{
    private static void Main(string[] args)
    {
        if (args is ["cold-config-dump", var renderer])
        {
            ConfigDumpBenchmarks.Cold(renderer);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args, DefaultConfig.Instance.AddExporter(MarkdownExporter.GitHub));
    }
}
