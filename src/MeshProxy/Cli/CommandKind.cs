namespace MeshProxy.Cli;

/// <summary>What the command line asks for.</summary>
internal enum CommandKind
{
    Run,
    Demo,
    Help,
    Version,
}
