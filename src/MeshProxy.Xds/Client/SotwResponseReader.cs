using System.Text;
using Envoy.Service.Discovery.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

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
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireStartGroup = 3;
    private const int WireEndGroup = 4;
    private const int WireFixed32 = 5;

    /// <param name="payload">The serialized response.</param>
    /// <param name="memoFor">The memo of a type URL (null: none for that type).</param>
    public static DiscoveryResponse Read(ReadOnlySpan<byte> payload, Func<string, XdsDecodeMemo?> memoFor)
    {
        ArgumentNullException.ThrowIfNull(memoFor);

        // Fields come in field-number order from every serializer we know, but nothing guarantees it: find the type
        // URL (the last occurrence wins, as in protobuf) before the resources are read against its memo.
        var typeUrl = "";
        var reader = new Reader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 4 && wire == WireLengthDelimited)
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
        reader = new Reader(payload);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == WireLengthDelimited:
                    response.VersionInfo = Utf8(reader.ReadLengthDelimited());
                    break;
                case 2 when wire == WireLengthDelimited:
                    response.Resources.Add(ReadAny(reader.ReadLengthDelimited(), typeUrl, typeUrlBytes, memo));
                    break;
                case 4 when wire == WireLengthDelimited:
                    reader.Skip(wire, field);
                    break;
                case 5 when wire == WireLengthDelimited:
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
        var reader = new Reader(bytes);
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == WireLengthDelimited)
            {
                typeUrl = reader.ReadLengthDelimited();
            }
            else if (field == 2 && wire == WireLengthDelimited)
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

    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;
        private int _position;

        public bool TryReadTag(out int field, out int wire)
        {
            if (_position >= _buffer.Length)
            {
                field = 0;
                wire = 0;
                return false;
            }

            var tag = ReadVarint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            if (field == 0 || tag > uint.MaxValue)
            {
                throw new InvalidDataException($"invalid tag {tag} at offset {_position}");
            }

            return true;
        }

        public ReadOnlySpan<byte> ReadLengthDelimited()
        {
            var length = ReadVarint();
            if (length > (ulong)(_buffer.Length - _position))
            {
                throw new InvalidDataException($"a length-delimited field of {length} bytes runs past the end of the message at offset {_position}");
            }

            var slice = _buffer.Slice(_position, (int)length);
            _position += (int)length;
            return slice;
        }

        public void Skip(int wire, int field)
        {
            switch (wire)
            {
                case WireVarint:
                    ReadVarint();
                    break;
                case WireFixed64:
                    Advance(8);
                    break;
                case WireLengthDelimited:
                    ReadLengthDelimited();
                    break;
                case WireFixed32:
                    Advance(4);
                    break;
                case WireStartGroup:
                    // proto2 groups never appear in the xDS API, but the generated parser skips unknown ones: so do we.
                    SkipGroup(field);
                    break;
                default:
                    throw new InvalidDataException($"unexpected wire type {wire} at offset {_position}");
            }
        }

        private void SkipGroup(int field)
        {
            while (TryReadTag(out var inner, out var wire))
            {
                if (wire == WireEndGroup)
                {
                    if (inner != field)
                    {
                        throw new InvalidDataException($"group {field} ended by the end tag of {inner} at offset {_position}");
                    }

                    return;
                }

                Skip(wire, inner);
            }

            throw new InvalidDataException($"group {field} is not ended");
        }

        private void Advance(int count)
        {
            if (count > _buffer.Length - _position)
            {
                throw new InvalidDataException($"a fixed-size field runs past the end of the message at offset {_position}");
            }

            _position += count;
        }

        private ulong ReadVarint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _buffer.Length)
                {
                    throw new InvalidDataException("a varint runs past the end of the message");
                }

                var b = _buffer[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw new InvalidDataException($"a varint longer than 10 bytes at offset {_position}");
        }
    }
}
