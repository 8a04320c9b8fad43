namespace MeshProxy.Protocols.Http1;

/// <summary>The only two versions spoken on the wire; anything else is rejected.</summary>
public enum Http1Version : byte
{
    Http10 = 10,
    Http11 = 11,
}
