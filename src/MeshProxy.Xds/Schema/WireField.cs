namespace MeshProxy.Xds.Schema;

/// <summary>
/// One occurrence of a field in a message's wire bytes, as <see cref="ProtoJsonEmitter"/> indexes them before writing.
/// </summary>
/// <param name="Number">The field number of the tag.</param>
/// <param name="WireType">The wire type of the tag (<see cref="WireReader.Varint"/>...).</param>
/// <param name="Order">Position among the occurrences of the message (all its chunks, in wire order): what "last one wins" compares.</param>
/// <param name="Scalar">The varint, or the little-endian bits of a fixed32/fixed64.</param>
/// <param name="Start">A length-delimited field's payload: offset in the whole buffer being written.</param>
/// <param name="Length">A length-delimited field's payload length.</param>
internal readonly record struct WireField(int Number, int WireType, int Order, ulong Scalar, int Start, int Length);
