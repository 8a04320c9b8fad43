namespace MeshProxy.Xds.Schema;

/// <summary>
/// Reads protobuf wire format from a span, as the generated parsers would accept it: tags, varints, length-delimited
/// fields, and skipping of every wire type (proto2 groups included). Malformed input throws
/// <see cref="InvalidDataException"/> with the offset.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> buffer)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int StartGroup = 3;
    public const int EndGroup = 4;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    /// <summary>Offset of the next byte to read.</summary>
    public readonly int Position => _position;

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
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Advance(8);
                break;
            case LengthDelimited:
                ReadLengthDelimited();
                break;
            case Fixed32:
                Advance(4);
                break;
            case StartGroup:
                // proto2 groups never appear in the xDS API, but the generated parser skips unknown ones: so do we.
                SkipGroup(field);
                break;
            default:
                throw new InvalidDataException($"unexpected wire type {wire} at offset {_position}");
        }
    }

    public ulong ReadVarint()
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

    private void SkipGroup(int field)
    {
        while (TryReadTag(out var inner, out var wire))
        {
            if (wire == EndGroup)
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
}
