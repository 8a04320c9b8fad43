using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MeshProxy.Core.Config.Http;

/// <summary>
/// The substitution commands a <see cref="HeaderValueOptionConfig.Value"/> may hold, as the router renders them:
/// <c>%DOWNSTREAM_REMOTE_ADDRESS%</c>, <c>%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%</c>, <c>%DOWNSTREAM_LOCAL_ADDRESS%</c>,
/// <c>%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%</c>, <c>%UPSTREAM_REMOTE_ADDRESS%</c>, <c>%PROTOCOL%</c>,
/// <c>%REQ(name)%</c> / <c>%REQ(name?alternative)%</c> / <c>%REQ(name):N%</c>, <c>%HOSTNAME%</c>,
/// <c>%START_TIME%</c> (default format only) and <c>%%</c> for a literal <c>%</c>. One grammar for the converter,
/// which refuses anything else (<see cref="TryValidate"/>), and the router, which parses the same way.
/// </summary>
public static class HeaderValueSyntax
{
    /// <summary>The supported commands, for messages and documentation.</summary>
    public const string SupportedCommands =
        "DOWNSTREAM_REMOTE_ADDRESS, DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT, DOWNSTREAM_LOCAL_ADDRESS, "
        + "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT, UPSTREAM_REMOTE_ADDRESS, PROTOCOL, REQ(name[?alternative])[:N], HOSTNAME, "
        + "START_TIME (default format)";

    /// <summary>
    /// Checks a header value as Envoy does at config load (every unescaped <c>%</c> starts a command
    /// <c>%NAME[(args)][:N]%</c>; an unknown command is an error), restricted to the commands MeshProxy renders.
    /// </summary>
    /// <param name="value">The configured value.</param>
    /// <param name="error">Why the value is refused; null when it is valid.</param>
    public static bool TryValidate(string value, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        var i = 0;
        while (i < value.Length)
        {
            if (value[i] != '%')
            {
                i++;
                continue;
            }

            if (i + 1 < value.Length && value[i + 1] == '%')
            {
                i += 2;
                continue;
            }

            // Envoy's command shape: %[A-Z0-9_]+(\([^)]*\))?(:[0-9]+)?%
            var length = EnvoyCommandLength(value.AsSpan(i + 1));
            if (length < 0)
            {
                error = $"'%' at position {i} does not start a command %NAME% (write '%%' for a literal '%')";
                return false;
            }

            var command = value.AsSpan(i + 1, length);
            if (!TryParseCommand(command, out _))
            {
                error = $"'%{command}%' at position {i} is not supported (supported: {SupportedCommands})";
                return false;
            }

            i += length + 2;
        }

        error = null;
        return true;
    }

    /// <summary>Parses the text between the two <c>%</c> of a command; false for anything the router does not render.</summary>
    internal static bool TryParseCommand(ReadOnlySpan<char> command, out HeaderValueCommand parsed)
    {
        parsed = default;
        HeaderValueCommandKind? kind = command switch
        {
            "DOWNSTREAM_REMOTE_ADDRESS" => HeaderValueCommandKind.DownstreamRemoteAddress,
            "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" => HeaderValueCommandKind.DownstreamRemoteAddressWithoutPort,
            "DOWNSTREAM_LOCAL_ADDRESS" => HeaderValueCommandKind.DownstreamLocalAddress,
            "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" => HeaderValueCommandKind.DownstreamLocalAddressWithoutPort,
            "UPSTREAM_REMOTE_ADDRESS" => HeaderValueCommandKind.UpstreamRemoteAddress,
            "PROTOCOL" => HeaderValueCommandKind.Protocol,
            "HOSTNAME" => HeaderValueCommandKind.Hostname,
            "START_TIME" => HeaderValueCommandKind.StartTime,
            _ => null,
        };
        if (kind is { } simple)
        {
            parsed = new HeaderValueCommand(simple, null, null, 0);
            return true;
        }

        // REQ(name), REQ(name?alternative), optionally :maxLength.
        if (!command.StartsWith("REQ(", StringComparison.Ordinal))
        {
            return false;
        }

        var close = command.IndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var maxLength = 0;
        var rest = command[(close + 1)..];
        if (!rest.IsEmpty && (rest[0] != ':' || !int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out maxLength) || maxLength <= 0))
        {
            return false;
        }

        var names = command[4..close];
        var question = names.IndexOf('?');
        var main = question < 0 ? names : names[..question];
        var alternative = question < 0 ? default : names[(question + 1)..];

        // Envoy allows one alternative; '%' inside a name would end the command early for the router's scan.
        if (main.IsEmpty || (question >= 0 && (alternative.IsEmpty || alternative.Contains('?')))
            || main.Contains('%') || alternative.Contains('%'))
        {
            return false;
        }

        parsed = new HeaderValueCommand(
            HeaderValueCommandKind.Request,
            main.ToString().ToLowerInvariant(),
            question < 0 ? null : alternative.ToString().ToLowerInvariant(),
            maxLength);
        return true;
    }

    // Length of NAME[(args)][:N] before the closing '%' (which must follow), or -1.
    private static int EnvoyCommandLength(ReadOnlySpan<char> text)
    {
        var i = 0;
        while (i < text.Length && (char.IsAsciiLetterUpper(text[i]) || char.IsAsciiDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        if (i == 0)
        {
            return -1;
        }

        if (i < text.Length && text[i] == '(')
        {
            var close = text[i..].IndexOf(')');
            if (close < 0)
            {
                return -1;
            }

            i += close + 1;
        }

        if (i < text.Length && text[i] == ':')
        {
            var digits = i + 1;
            while (digits < text.Length && char.IsAsciiDigit(text[digits]))
            {
                digits++;
            }

            if (digits == i + 1)
            {
                return -1;
            }

            i = digits;
        }

        return i < text.Length && text[i] == '%' ? i : -1;
    }
}

/// <summary>What a supported header-value command renders.</summary>
internal enum HeaderValueCommandKind
{
    DownstreamRemoteAddress,
    DownstreamRemoteAddressWithoutPort,
    DownstreamLocalAddress,
    DownstreamLocalAddressWithoutPort,
    UpstreamRemoteAddress,
    Protocol,
    Hostname,
    StartTime,
    Request,
}

/// <param name="Kind">The command.</param>
/// <param name="Header">Lower-case header name for <see cref="HeaderValueCommandKind.Request"/>.</param>
/// <param name="Alternative">The fallback header of <c>%REQ(a?b)%</c>; null for none.</param>
/// <param name="MaxLength">The <c>:N</c> truncation; 0 for none.</param>
internal readonly record struct HeaderValueCommand(HeaderValueCommandKind Kind, string? Header, string? Alternative, int MaxLength);
