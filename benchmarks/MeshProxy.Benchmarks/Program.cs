using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Running;

namespace MeshProxy.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/MeshProxy.Benchmarks -- --filter '*Stats*'</c>;
/// results land in BenchmarkDotNet.Artifacts/results as GitHub markdown.
/// </summary>
internal static class Program
{
    private static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args, DefaultConfig.Instance.AddExporter(MarkdownExporter.GitHub));
}
