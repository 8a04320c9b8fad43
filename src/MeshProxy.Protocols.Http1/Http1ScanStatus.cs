namespace MeshProxy.Protocols.Http1;

internal enum Http1ScanStatus : byte
{
    Incomplete,
    Complete,
    Error,
}
