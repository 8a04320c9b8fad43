namespace MeshProxy.Protocols.Http1;

/// <summary>
/// Second pass: parses a complete, contiguous head whose lines the scanner has already found to end in CRLF and to
/// be within limits. Each rule that fails is one <see cref="Http1Error"/>; offsets are relative to
/// <c>baseOffset</c>, the head's position in the caller's buffer.
/// </summary>
internal static class Http1HeadParser
{
    public static Http1Error ParseRequest<THandler>(ref THandler handler, ReadOnlySpan<byte> head, long baseOffset, out long errorOffset)
        where THandler : struct, IHttp1RequestHandler
    {
        var lineEnd = head.IndexOf(Http1Chars.LF);
        var line = head[..(lineEnd - 1)];
        errorOffset = baseOffset;
        var error = ParseRequestLine(line, out var method, out var methodBytes, out var target, out var form, out var version, out var at);
        if (error != Http1Error.None)
        {
            errorOffset = baseOffset + at;
            return error;
        }

        handler.OnRequestLine(method, methodBytes, target, form, version);

        var state = default(Http1FieldState);
        var fieldsOffset = lineEnd + 1;
        error = ParseFields(ref handler, head[fieldsOffset..], baseOffset + fieldsOffset, observeKnown: true, ref state, out errorOffset);
        if (error != Http1Error.None)
        {
            return error;
        }

        errorOffset = baseOffset;
        error = state.CheckTransferEncoding(version, isRequest: true);
        if (error != Http1Error.None)
        {
            return error;
        }

        if (version == Http1Version.Http11 && state.HostCount == 0)
        {
            return Http1Error.MissingHost;
        }

        if (state.HostCount > 1)
        {
            return Http1Error.DuplicateHost;
        }

        var framing = state.HasTransferEncoding ? Http1BodyFraming.Chunked
            : state.HasContentLength ? Http1BodyFraming.OfLength(state.ContentLength)
            : Http1BodyFraming.None;
        var http11 = version == Http1Version.Http11;
        var info = new Http1MessageInfo(
            version,
            framing,
            KeepAlive: Http1Semantics.IsKeepAlive(version, state.ConnectionClose, state.ConnectionKeepAlive),
            ExpectContinue: http11 && state.ExpectContinue,
            IsUpgrade: http11 && state.HasUpgrade && state.ConnectionUpgrade && method != Http1Method.Connect,
            IsConnect: method == Http1Method.Connect);
        handler.OnHeadersComplete(info);
        return Http1Error.None;
    }

    public static Http1Error ParseResponse<THandler>(ref THandler handler, Http1Method requestMethod, ReadOnlySpan<byte> head, long baseOffset, out long errorOffset)
        where THandler : struct, IHttp1ResponseHandler
    {
        var lineEnd = head.IndexOf(Http1Chars.LF);
        var line = head[..(lineEnd - 1)];
        errorOffset = baseOffset;
        var error = ParseStatusLine(line, out var version, out var status, out var reason);
        if (error != Http1Error.None)
        {
            return error;
        }

        handler.OnStatusLine(version, status, reason);

        var state = default(Http1FieldState);
        var fieldsOffset = lineEnd + 1;
        error = ParseFields(ref handler, head[fieldsOffset..], baseOffset + fieldsOffset, observeKnown: true, ref state, out errorOffset);
        if (error != Http1Error.None)
        {
            return error;
        }

        errorOffset = baseOffset;
        error = state.CheckTransferEncoding(version, isRequest: false);
        if (error != Http1Error.None)
        {
            return error;
        }

        // RFC 9112 section 6.3, in order: no body for HEAD, 1xx, 204, 304; a 2xx to CONNECT is a tunnel; then
        // chunked; then Content-Length; else the body runs to connection close.
        var tunnel = requestMethod == Http1Method.Connect && status is >= 200 and < 300;
        Http1BodyFraming framing;
        if (requestMethod == Http1Method.Head || status < 200 || status == 204 || status == 304 || tunnel)
        {
            framing = Http1BodyFraming.None;
        }
        else if (state.HasTransferEncoding)
        {
            framing = Http1BodyFraming.Chunked;
        }
        else if (state.HasContentLength)
        {
            framing = Http1BodyFraming.OfLength(state.ContentLength);
        }
        else
        {
            framing = Http1BodyFraming.CloseDelimited;
        }

        var keepAlive = framing.Kind != Http1BodyKind.CloseDelimited
            && Http1Semantics.IsKeepAlive(version, state.ConnectionClose, state.ConnectionKeepAlive);
        var info = new Http1MessageInfo(
            version,
            framing,
            keepAlive,
            ExpectContinue: false,
            IsUpgrade: status == 101,
            IsConnect: tunnel);
        handler.OnHeadersComplete(info);
        return Http1Error.None;
    }

    /// <summary>
    /// Field lines up to and including the empty line (RFC 9112 section 5): <c>token ":" OWS value OWS</c>.
    /// Also used for trailer sections, with <paramref name="observeKnown"/> false: fields after the body cannot
    /// reframe it, so a Content-Length trailer is passed on as a field (RFC 9110 section 6.5.1).
    /// </summary>
    public static Http1Error ParseFields<THandler>(ref THandler handler, ReadOnlySpan<byte> fields, long baseOffset, bool observeKnown, ref Http1FieldState state, out long errorOffset)
        where THandler : struct, IHttp1HeadersHandler
    {
        var pos = 0;
        while (true)
        {
            var lineEnd = pos + fields[pos..].IndexOf(Http1Chars.LF);
            var line = fields[pos..(lineEnd - 1)];
            errorOffset = baseOffset + pos;
            if (line.IsEmpty)
            {
                return Http1Error.None;
            }

            if (Http1Chars.IsWhitespace(line[0]))
            {
                return Http1Error.ObsoleteLineFolding;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                return Http1Error.InvalidHeaderName;
            }

            var name = line[..colon];
            if (Http1Chars.IsWhitespace(name[^1]))
            {
                errorOffset += colon - 1;
                return Http1Error.WhitespaceBeforeColon;
            }

            var bad = name.IndexOfAnyExcept(Http1Chars.Token);
            if (bad >= 0)
            {
                errorOffset += bad;
                return Http1Error.InvalidHeaderName;
            }

            var rawValue = line[(colon + 1)..];
            bad = rawValue.IndexOfAny(Http1Chars.InvalidFieldValue);
            if (bad >= 0)
            {
                errorOffset += colon + 1 + bad;
                return Http1Error.InvalidHeaderValue;
            }

            var value = Http1Chars.TrimWhitespace(rawValue);
            var known = Http1KnownHeaders.Lookup(name);
            if (observeKnown && known != Http1KnownHeader.None)
            {
                var error = state.Observe(known, value);
                if (error != Http1Error.None)
                {
                    return error;
                }
            }

            handler.OnHeader(known, name, value);
            pos = lineEnd + 1;
        }
    }

    private static Http1Error ParseRequestLine(
        ReadOnlySpan<byte> line,
        out Http1Method method,
        out ReadOnlySpan<byte> methodBytes,
        out ReadOnlySpan<byte> target,
        out Http1TargetForm form,
        out Http1Version version,
        out int errorAt)
    {
        method = Http1Method.Custom;
        methodBytes = default;
        target = default;
        form = default;
        version = default;
        errorAt = 0;

        var sp = line.IndexOf(Http1Chars.SP);
        if (sp < 0)
        {
            return Http1Error.InvalidRequestLine;
        }

        methodBytes = line[..sp];
        if (methodBytes.IsEmpty)
        {
            return Http1Error.InvalidRequestLine;
        }

        var bad = methodBytes.IndexOfAnyExcept(Http1Chars.Token);
        if (bad >= 0)
        {
            errorAt = bad;
            return Http1Error.InvalidMethod;
        }

        method = Http1Methods.Lookup(methodBytes);
        var targetStart = sp + 1;
        var rest = line[targetStart..];
        sp = rest.IndexOf(Http1Chars.SP);
        if (sp <= 0)
        {
            errorAt = targetStart;
            return Http1Error.InvalidRequestLine;
        }

        target = rest[..sp];
        bad = target.IndexOfAny(Http1Chars.InvalidTarget);
        if (bad >= 0)
        {
            errorAt = targetStart + bad;
            return Http1Error.InvalidRequestTarget;
        }

        var versionStart = targetStart + sp + 1;
        var error = ParseVersion(line[versionStart..], out version);
        if (error != Http1Error.None)
        {
            errorAt = versionStart;
            return error;
        }

        errorAt = targetStart;
        return ClassifyTarget(method, target, out form);
    }

    /// <summary>RFC 9112 section 3.2: which form the target has, and whether the method allows it.</summary>
    private static Http1Error ClassifyTarget(Http1Method method, ReadOnlySpan<byte> target, out Http1TargetForm form)
    {
        if (method == Http1Method.Connect)
        {
            form = Http1TargetForm.Authority;
            return IsAuthorityForm(target) ? Http1Error.None : Http1Error.InvalidRequestTarget;
        }

        if (target[0] == (byte)'/')
        {
            form = Http1TargetForm.Origin;
            return Http1Error.None;
        }

        if (target.Length == 1 && target[0] == (byte)'*')
        {
            form = Http1TargetForm.Asterisk;
            return method == Http1Method.Options ? Http1Error.None : Http1Error.InvalidRequestTarget;
        }

        form = Http1TargetForm.Absolute;
        return IsAbsoluteForm(target) ? Http1Error.None : Http1Error.InvalidRequestTarget;
    }

    /// <summary><c>uri-host ":" port</c>, with a non-empty host, a 1..5 digit port, and no path, query or userinfo.</summary>
    private static bool IsAuthorityForm(ReadOnlySpan<byte> target)
    {
        var colon = target.LastIndexOf((byte)':');
        if (colon <= 0 || target.IndexOfAny("/?#@"u8) >= 0)
        {
            return false;
        }

        var port = target[(colon + 1)..];
        return port.Length is >= 1 and <= 5 && !port.ContainsAnyExceptInRange((byte)'0', (byte)'9');
    }

    /// <summary><c>scheme "://" authority ...</c>: the absolute URIs a proxy is sent (http, https, ws...).</summary>
    private static bool IsAbsoluteForm(ReadOnlySpan<byte> target)
    {
        var marker = target.IndexOf("://"u8);
        if (marker <= 0 || !char.IsAsciiLetter((char)target[0]))
        {
            return false;
        }

        foreach (var b in target[..marker])
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not ((byte)'+' or (byte)'-' or (byte)'.'))
            {
                return false;
            }
        }

        return marker + 3 < target.Length;
    }

    private static Http1Error ParseVersion(ReadOnlySpan<byte> text, out Http1Version version)
    {
        version = default;
        if (text.Length != 8 || !text.StartsWith("HTTP/"u8) || !Http1Chars.IsDigit(text[5]) || text[6] != (byte)'.' || !Http1Chars.IsDigit(text[7]))
        {
            return Http1Error.InvalidVersion;
        }

        if (text[5] == (byte)'1' && text[7] == (byte)'1')
        {
            version = Http1Version.Http11;
            return Http1Error.None;
        }

        if (text[5] == (byte)'1' && text[7] == (byte)'0')
        {
            version = Http1Version.Http10;
            return Http1Error.None;
        }

        return Http1Error.UnsupportedVersion;
    }

    /// <summary>RFC 9112 section 4: <c>HTTP-version SP 3DIGIT SP [reason]</c>; a missing final SP is tolerated (as llhttp does).</summary>
    private static Http1Error ParseStatusLine(ReadOnlySpan<byte> line, out Http1Version version, out int status, out ReadOnlySpan<byte> reason)
    {
        version = default;
        status = 0;
        reason = default;
        if (line.Length < 12 || line[8] != Http1Chars.SP)
        {
            return Http1Error.InvalidStatusLine;
        }

        var error = ParseVersion(line[..8], out version);
        if (error != Http1Error.None)
        {
            return error == Http1Error.InvalidVersion ? Http1Error.InvalidStatusLine : error;
        }

        if (!Http1Chars.IsDigit(line[9]) || !Http1Chars.IsDigit(line[10]) || !Http1Chars.IsDigit(line[11]))
        {
            return Http1Error.InvalidStatusLine;
        }

        status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        if (status is < 100 or > 599)
        {
            return Http1Error.InvalidStatusLine;
        }

        if (line.Length > 12)
        {
            if (line[12] != Http1Chars.SP)
            {
                return Http1Error.InvalidStatusLine;
            }

            reason = line[13..];
            if (reason.IndexOfAny(Http1Chars.InvalidFieldValue) >= 0)
            {
                return Http1Error.InvalidHeaderValue;
            }
        }

        return Http1Error.None;
    }
}
