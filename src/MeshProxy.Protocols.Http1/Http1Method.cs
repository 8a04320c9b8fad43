namespace MeshProxy.Protocols.Http1;

/// <summary>Known methods; anything else that is a token is <see cref="Custom"/> and keeps its bytes.</summary>
public enum Http1Method : byte
{
    Custom = 0,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch,
}
