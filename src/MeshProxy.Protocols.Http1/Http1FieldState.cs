namespace MeshProxy.Protocols.Http1;

/// <summary>What the fields of one head say about framing and the connection, gathered while they are parsed.</summary>
internal struct Http1FieldState
{
    public int HostCount;
    public bool HasContentLength;
    public long ContentLength;
    public bool HasTransferEncoding;
    public bool TransferEncodingInvalid;
    public bool ChunkedIsLast;
    public int ChunkedCount;
    public int OtherCodingCount;
    public bool ConnectionClose;
    public bool ConnectionKeepAlive;
    public bool ConnectionUpgrade;
    public bool HasUpgrade;
    public bool ExpectContinue;

    /// <summary>Records a known field; returns the error it causes on its own, if any.</summary>
    public Http1Error Observe(Http1KnownHeader known, ReadOnlySpan<byte> value)
    {
        switch (known)
        {
            case Http1KnownHeader.Host:
                HostCount++;
                return Http1Error.None;
            case Http1KnownHeader.ContentLength:
                return ObserveContentLength(value);
            case Http1KnownHeader.TransferEncoding:
                ObserveTransferEncoding(value);
                return Http1Error.None;
            case Http1KnownHeader.Connection:
                ObserveConnection(value);
                return Http1Error.None;
            case Http1KnownHeader.Upgrade:
                HasUpgrade |= !value.IsEmpty;
                return Http1Error.None;
            case Http1KnownHeader.Expect:
                ExpectContinue |= System.Text.Ascii.EqualsIgnoreCase(value, "100-continue"u8);
                return Http1Error.None;
            default:
                return Http1Error.None;
        }
    }

    /// <summary>
    /// RFC 9110 section 8.6: Content-Length = 1*DIGIT. A list of identical values ("5, 5") and identical repeated
    /// fields are folded into one, as the RFC allows; any difference is a conflict.
    /// </summary>
    private Http1Error ObserveContentLength(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return Http1Error.InvalidContentLength;
        }

        var rest = value;
        while (!rest.IsEmpty)
        {
            var comma = rest.IndexOf((byte)',');
            var element = Http1Chars.TrimWhitespace(comma < 0 ? rest : rest[..comma]);
            rest = comma < 0 ? [] : rest[(comma + 1)..];
            if (!Http1Chars.TryParseDecimal(element, out var length))
            {
                return Http1Error.InvalidContentLength;
            }

            if (HasContentLength && length != ContentLength)
            {
                return Http1Error.ConflictingContentLength;
            }

            HasContentLength = true;
            ContentLength = length;
            if (comma >= 0 && rest.IsEmpty)
            {
                return Http1Error.InvalidContentLength;
            }
        }

        return Http1Error.None;
    }

    private void ObserveTransferEncoding(ReadOnlySpan<byte> value)
    {
        HasTransferEncoding = true;
        var rest = value;
        var any = false;
        while (Http1Semantics.NextElement(ref rest, out var coding))
        {
            any = true;
            var semicolon = coding.IndexOf((byte)';');
            var name = semicolon < 0 ? coding : Http1Chars.TrimWhitespace(coding[..semicolon]);
            if (name.IsEmpty || name.ContainsAnyExcept(Http1Chars.Token))
            {
                TransferEncodingInvalid = true;
                return;
            }

            if (semicolon < 0 && System.Text.Ascii.EqualsIgnoreCase(name, "chunked"u8))
            {
                ChunkedCount++;
                ChunkedIsLast = true;
            }
            else
            {
                OtherCodingCount++;
                ChunkedIsLast = false;
            }
        }

        TransferEncodingInvalid |= !any;
    }

    private void ObserveConnection(ReadOnlySpan<byte> value)
    {
        var rest = value;
        while (Http1Semantics.NextElement(ref rest, out var option))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                ConnectionClose = true;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                ConnectionKeepAlive = true;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(option, "upgrade"u8))
            {
                ConnectionUpgrade = true;
            }
        }
    }

    /// <summary>Transfer-Encoding checks shared by requests and responses (RFC 9112 sections 6.1 and 6.3).</summary>
    public readonly Http1Error CheckTransferEncoding(Http1Version version, bool isRequest)
    {
        if (!HasTransferEncoding)
        {
            return Http1Error.None;
        }

        if (version == Http1Version.Http10)
        {
            return Http1Error.TransferEncodingInHttp10;
        }

        if (HasContentLength)
        {
            return Http1Error.ContentLengthWithTransferEncoding;
        }

        if (TransferEncodingInvalid)
        {
            return Http1Error.InvalidTransferEncoding;
        }

        if (isRequest && !ChunkedIsLast)
        {
            return Http1Error.ChunkedNotFinalEncoding;
        }

        // Anything but one chunked would have to be re-encoded as received on the other side; we strip
        // Transfer-Encoding as hop-by-hop and re-frame, so other codings would be silently lost. Reject instead.
        return ChunkedCount == 1 && OtherCodingCount == 0 ? Http1Error.None : Http1Error.UnsupportedTransferCoding;
    }
}
