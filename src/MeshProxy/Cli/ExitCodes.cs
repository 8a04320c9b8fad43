namespace MeshProxy.Cli;

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Clean run, valid config, or a graceful stop on SIGINT/SIGTERM.</summary>
    public const int Success = 0;

    /// <summary>The configuration was rejected (Envoy exits 1 for a bad config too).</summary>
    public const int ConfigError = 1;

    /// <summary>The command line was wrong; usage was printed.</summary>
    public const int UsageError = 2;
}
