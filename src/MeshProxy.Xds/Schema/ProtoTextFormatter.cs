using System.Runtime.CompilerServices;
using Envoy;

namespace MeshProxy.Xds.Schema;

/// <summary>
/// Makes the generated Envoy types' <c>ToString</c> (routed to <see cref="ProtoText"/> by the Envoy.Api.Protos build)
/// write protobuf JSON through <see cref="ProtoJsonWriter"/>: proto field names, as <c>/config_dump</c> shows them.
/// Installed when this assembly loads, so logs and debuggers see JSON wherever the xDS code runs.
/// </summary>
internal static class ProtoTextFormatter
{
#pragma warning disable CA2255 // The point is to run before any ToString of a generated type, with no caller to forget it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install() => ProtoText.SetFormatter(ProtoJsonWriter.Format);
}
