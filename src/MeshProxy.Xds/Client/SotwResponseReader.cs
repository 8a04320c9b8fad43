using System.Text;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Xds.Client;

/// <summary>
/// Reads a serialized state-of-the-world <see cref="DiscoveryResponse"/> without copying what did not change. A SotW
/// control plane resends every resource on each push, and an unchanged one comes back byte for byte: when the
/// <see cref="XdsDecodeMemo"/> of the response's type holds those bytes, the <see cref="Any"/> decoded from the last
/// response is put in the new one as it is, so a 1,000-assignment EDS push with one change allocates one
/// <see cref="Any"/> and its bytes instead of a thousand. Everything else is read as the generated parser would.
/// </summary>
/// <remarks>
/// Fields it keeps: version_info (1), resources (2), type_url (4), nonce (5). canary (3), control_plane (6) and
/// unknown fields are skipped (the client uses neither). Malformed input throws <see cref="InvalidDataException"/>.
/// </remarks>
internal static class SotwResponseReader
{
    /// <param name="payload">The serialized response.</param>
    /// <param name="memoFor">The memo of a type URL (null: none for that type).</param>
    public static DiscoveryResponse Read(ReadOnlySpan<byte> payload, Func<string, XdsDecodeMemo?> memoFor)
    {
        ArgumentNullException.ThrowIfNull(memoFor);

        // Fields come in field-number order from every serializer we know, but nothing guarantees it: find the type
        // URL (the last occurrence wins, as in protobuf) before the resources are read against its memo.
        var typeUrl = "";
        var reader = new WireReader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 4 && wire == WireReader.LengthDelimited)
            {
                typeUrl = Utf8(reader.ReadLengthDelimited());
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        var memo = typeUrl.Length > 0 ? memoFor(typeUrl) : null;
        var typeUrlBytes = Encoding.UTF8.GetBytes(typeUrl);
        var response = new DiscoveryResponse { TypeUrl = typeUrl };
        reader = new WireReader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireReader.LengthDelimited:
                    response.VersionInfo = Utf8(reader.ReadLengthDelimited());
                    break;
                case 2 when wire == WireReader.LengthDelimited:
                    response.Resources.Add(ReadAny(reader.ReadLengthDelimited(), typeUrl, typeUrlBytes, memo));
                    break;
                case 4 when wire == WireReader.LengthDelimited:
                    reader.Skip(wire, field);
                    break;
                case 5 when wire == WireReader.LengthDelimited:
                    response.Nonce = Utf8(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wire, field);
                    break;
            }
        }

        return response;
    }

    private static Any ReadAny(ReadOnlySpan<byte> bytes, string responseTypeUrl, byte[] responseTypeUrlBytes, XdsDecodeMemo? memo)
    {
        ReadOnlySpan<byte> typeUrl = default;
        ReadOnlySpan<byte> value = default;
        var reader = new WireReader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireReader.LengthDelimited)
            {
                typeUrl = reader.ReadLengthDelimited();
            }
            else if (field == 2 && wire == WireReader.LengthDelimited)
            {
                value = reader.ReadLengthDelimited();
            }
            else
            {
                reader.Skip(wire, field);
            }
        }

        var sameType = typeUrl.SequenceEqual(responseTypeUrlBytes);
        if (sameType && memo is not null && memo.TryGetAny(value, out var known))
        {
            return known;
        }

        return new Any
        {
            // The response's own string when it matches: a thousand resources share it instead of a copy each.
            TypeUrl = sameType ? responseTypeUrl : Utf8(typeUrl),
            Value = ByteString.CopyFrom(value),
        };
    }

    private static string Utf8(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "" : Encoding.UTF8.GetString(bytes);
}
