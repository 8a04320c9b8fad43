using System.Buffers;
using System.Buffers.Binary;

namespace MeshProxy.Core.Listeners.Filters;

/// <summary>
/// Finds SNI and ALPN in a TLS ClientHello without consuming or decrypting anything (tls_inspector). Works on the
/// bytes peeked so far: returns <see cref="TlsClientHelloStatus.NeedMoreData"/> until the whole handshake message is
/// there, so it is called again from the start after each read (a ClientHello is a few hundred bytes to a few KiB).
/// The message may span several TLS records; it is then reassembled into a pooled buffer.
/// </summary>
internal static class TlsClientHelloParser
{
    /// <summary>Envoy's tls_inspector limit on the ClientHello it waits for.</summary>
    public const int MaxClientHelloSize = 64 * 1024;

    private const byte HandshakeRecord = 22;
    private const byte ClientHelloMessage = 1;
    private const int RecordHeaderSize = 5;
    private const int HandshakeHeaderSize = 4;

    /// <summary>TLSPlaintext.length may not exceed 2^14; allow the ciphertext bound so odd stacks are not refused.</summary>
    private const int MaxRecordLength = (1 << 14) + 2048;

    private const ushort ServerNameExtension = 0;
    private const ushort AlpnExtension = 16;
    private const byte HostNameType = 0;
    private const int MaxHostNameLength = 255;

    public static TlsClientHelloStatus TryParse(in ReadOnlySequence<byte> buffer, out string? serverName, out string[]? applicationProtocols)
    {
        serverName = null;
        applicationProtocols = null;
        Span<byte> header = stackalloc byte[RecordHeaderSize + HandshakeHeaderSize];
        var available = (int)Math.Min(buffer.Length, header.Length);
        buffer.Slice(0, available).CopyTo(header);
        if (available == 0)
        {
            return TlsClientHelloStatus.NeedMoreData;
        }

        // Record header: content type, legacy version 3.x, length. Anything else is not TLS (SSLv2 hellos included).
        if (header[0] != HandshakeRecord || (available > 1 && header[1] != 3) || (available > 2 && header[2] > 4))
        {
            return TlsClientHelloStatus.NotTls;
        }

        if (available < RecordHeaderSize)
        {
            return TlsClientHelloStatus.NeedMoreData;
        }

        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        if (recordLength == 0 || recordLength > MaxRecordLength)
        {
            return TlsClientHelloStatus.NotTls;
        }

        if (available > RecordHeaderSize && header[RecordHeaderSize] != ClientHelloMessage)
        {
            return TlsClientHelloStatus.NotTls;
        }

        if (recordLength >= HandshakeHeaderSize)
        {
            if (available < header.Length)
            {
                return TlsClientHelloStatus.NeedMoreData;
            }

            var bodyLength = header[6] << 16 | header[7] << 8 | header[8];
            if (HandshakeHeaderSize + bodyLength > MaxClientHelloSize)
            {
                return TlsClientHelloStatus.TooLarge;
            }

            if (HandshakeHeaderSize + bodyLength <= recordLength)
            {
                // The usual case: the whole ClientHello in the first record.
                var end = RecordHeaderSize + HandshakeHeaderSize + bodyLength;
                if (buffer.Length < end)
                {
                    return TlsClientHelloStatus.NeedMoreData;
                }

                return ParseBody(buffer.Slice(RecordHeaderSize + HandshakeHeaderSize, bodyLength), out serverName, out applicationProtocols);
            }
        }

        return ParseFragmented(buffer, out serverName, out applicationProtocols);
    }

    /// <summary>The handshake message spans records: gather the record payloads, then parse the body.</summary>
    private static TlsClientHelloStatus ParseFragmented(in ReadOnlySequence<byte> buffer, out string? serverName, out string[]? applicationProtocols)
    {
        serverName = null;
        applicationProtocols = null;
        var rented = ArrayPool<byte>.Shared.Rent(MaxClientHelloSize);
        try
        {
            var reader = new SequenceReader<byte>(buffer);
            var collected = 0;
            var needed = -1;
            Span<byte> recordHeader = stackalloc byte[RecordHeaderSize];
            while (needed < 0 || collected < needed)
            {
                if (!reader.TryCopyTo(recordHeader))
                {
                    return buffer.Length > MaxClientHelloSize + 1024 ? TlsClientHelloStatus.TooLarge : TlsClientHelloStatus.NeedMoreData;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(recordHeader[3..]);
                if (recordHeader[0] != HandshakeRecord || recordHeader[1] != 3 || length == 0 || length > MaxRecordLength)
                {
                    return TlsClientHelloStatus.NotTls;
                }

                reader.Advance(RecordHeaderSize);
                var take = (int)Math.Min(length, reader.Remaining);
                if (collected + take > MaxClientHelloSize)
                {
                    take = MaxClientHelloSize - collected;
                }

                reader.TryCopyTo(rented.AsSpan(collected, take));
                reader.Advance(take);
                collected += take;
                if (needed < 0 && collected >= HandshakeHeaderSize)
                {
                    if (rented[0] != ClientHelloMessage)
                    {
                        return TlsClientHelloStatus.NotTls;
                    }

                    needed = HandshakeHeaderSize + (rented[1] << 16 | rented[2] << 8 | rented[3]);
                    if (needed > MaxClientHelloSize)
                    {
                        return TlsClientHelloStatus.TooLarge;
                    }
                }

                if (take < length && (needed < 0 || collected < needed))
                {
                    return collected >= MaxClientHelloSize ? TlsClientHelloStatus.TooLarge : TlsClientHelloStatus.NeedMoreData;
                }
            }

            return ParseBody(rented.AsSpan(HandshakeHeaderSize, needed - HandshakeHeaderSize), out serverName, out applicationProtocols);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static TlsClientHelloStatus ParseBody(in ReadOnlySequence<byte> body, out string? serverName, out string[]? applicationProtocols)
    {
        if (body.IsSingleSegment)
        {
            return ParseBody(body.FirstSpan, out serverName, out applicationProtocols);
        }

        var rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
        try
        {
            body.CopyTo(rented);
            return ParseBody(rented.AsSpan(0, (int)body.Length), out serverName, out applicationProtocols);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>ClientHello body (RFC 8446 4.1.2): version, random, session id, cipher suites, compression, extensions.</summary>
    private static TlsClientHelloStatus ParseBody(ReadOnlySpan<byte> body, out string? serverName, out string[]? applicationProtocols)
    {
        serverName = null;
        applicationProtocols = null;
        var position = 2 + 32; // legacy_version, random
        if (!SkipVector(body, ref position, lengthSize: 1, maxLength: 32)
            || !SkipVector(body, ref position, lengthSize: 2, maxLength: ushort.MaxValue)
            || !SkipVector(body, ref position, lengthSize: 1, maxLength: byte.MaxValue))
        {
            return TlsClientHelloStatus.NotTls;
        }

        if (position == body.Length)
        {
            return TlsClientHelloStatus.ClientHello; // No extensions (old clients): no SNI, no ALPN.
        }

        if (position + 2 > body.Length)
        {
            return TlsClientHelloStatus.NotTls;
        }

        int extensionsLength = BinaryPrimitives.ReadUInt16BigEndian(body[position..]);
        position += 2;
        if (position + extensionsLength != body.Length)
        {
            return TlsClientHelloStatus.NotTls;
        }

        var extensions = body.Slice(position, extensionsLength);
        while (!extensions.IsEmpty)
        {
            if (extensions.Length < 4)
            {
                return TlsClientHelloStatus.NotTls;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(extensions);
            int length = BinaryPrimitives.ReadUInt16BigEndian(extensions[2..]);
            if (4 + length > extensions.Length)
            {
                return TlsClientHelloStatus.NotTls;
            }

            var data = extensions.Slice(4, length);
            if ((type == ServerNameExtension && !ReadServerName(data, out serverName))
                || (type == AlpnExtension && !ReadAlpn(data, out applicationProtocols)))
            {
                return TlsClientHelloStatus.NotTls;
            }

            extensions = extensions[(4 + length)..];
        }

        return TlsClientHelloStatus.ClientHello;
    }

    private static bool SkipVector(ReadOnlySpan<byte> body, ref int position, int lengthSize, int maxLength)
    {
        if (position + lengthSize > body.Length)
        {
            return false;
        }

        var length = lengthSize == 1 ? body[position] : BinaryPrimitives.ReadUInt16BigEndian(body[position..]);
        position += lengthSize;
        if (length > maxLength || position + length > body.Length)
        {
            return false;
        }

        position += length;
        return true;
    }

    /// <summary>server_name (RFC 6066 3): the first host_name entry, lower-cased.</summary>
    private static bool ReadServerName(ReadOnlySpan<byte> data, out string? serverName)
    {
        serverName = null;
        if (data.Length < 2 || BinaryPrimitives.ReadUInt16BigEndian(data) != data.Length - 2)
        {
            return false;
        }

        var list = data[2..];
        Span<char> lower = stackalloc char[MaxHostNameLength];
        while (!list.IsEmpty)
        {
            if (list.Length < 3)
            {
                return false;
            }

            var nameType = list[0];
            int length = BinaryPrimitives.ReadUInt16BigEndian(list[1..]);
            if (3 + length > list.Length)
            {
                return false;
            }

            if (nameType == HostNameType && serverName is null)
            {
                var name = list.Slice(3, length);
                if (name.IsEmpty || name.Length > MaxHostNameLength)
                {
                    return false;
                }

                for (var i = 0; i < name.Length; i++)
                {
                    var c = name[i];
                    if (c is < 0x21 or > 0x7E)
                    {
                        return false;
                    }

                    lower[i] = (char)(c is >= (byte)'A' and <= (byte)'Z' ? c + 32 : c);
                }

                serverName = new string(lower[..name.Length]);
            }

            list = list[(3 + length)..];
        }

        return true;
    }

    /// <summary>application_layer_protocol_negotiation (RFC 7301 3.1): the protocol names in the client's order.</summary>
    private static bool ReadAlpn(ReadOnlySpan<byte> data, out string[]? protocols)
    {
        protocols = null;
        if (data.Length < 2 || BinaryPrimitives.ReadUInt16BigEndian(data) != data.Length - 2)
        {
            return false;
        }

        var list = data[2..];
        var count = 0;
        for (var rest = list; !rest.IsEmpty; count++)
        {
            var length = rest[0];
            if (length == 0 || 1 + length > rest.Length)
            {
                return false;
            }

            rest = rest[(1 + length)..];
        }

        if (count == 0)
        {
            return false;
        }

        if (count == 1 && ApplicationProtocolNames.GetSingle(list.Slice(1, list[0])) is { } shared)
        {
            protocols = shared;
            return true;
        }

        protocols = new string[count];
        for (var i = 0; i < count; i++)
        {
            var length = list[0];
            protocols[i] = ApplicationProtocolNames.Get(list.Slice(1, length));
            list = list[(1 + length)..];
        }

        return true;
    }
}
