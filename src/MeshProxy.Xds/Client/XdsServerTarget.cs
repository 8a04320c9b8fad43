using System.Globalization;

namespace MeshProxy.Xds.Client;

/// <summary>
/// Where the control plane is. Parse <c>HOST:PORT</c> (plaintext h2c), <c>https://HOST:PORT</c> (TLS; validated
/// against <see cref="CaCertificatePath"/> only when it is set, otherwise against the system roots), or
/// <c>unix:/path/to/socket</c> (h2c over a Unix domain socket).
/// </summary>
public sealed record XdsServerTarget(XdsTransportKind Kind, string Host, int Port, string? SocketPath)
{
    /// <summary>PEM file with the CA (or CAs) the server certificate must chain to; TLS only.</summary>
    public string? CaCertificatePath { get; init; }

    /// <summary>PEM client certificate for mutual TLS; needs <see cref="ClientKeyPath"/>.</summary>
    public string? ClientCertificatePath { get; init; }

    /// <summary>PEM private key of <see cref="ClientCertificatePath"/>.</summary>
    public string? ClientKeyPath { get; init; }

    /// <summary>Name sent as SNI and checked against the server certificate; defaults to <see cref="Host"/>.</summary>
    public string? ServerName { get; init; }

    /// <summary>The URI the gRPC channel is created for (a placeholder host for Unix sockets).</summary>
    public Uri ChannelAddress => Kind switch
    {
        XdsTransportKind.Tls => new Uri($"https://{FormatHost(Host)}:{Port.ToString(CultureInfo.InvariantCulture)}"),
        XdsTransportKind.UnixSocket => new Uri("http://localhost"),
        _ => new Uri($"http://{FormatHost(Host)}:{Port.ToString(CultureInfo.InvariantCulture)}"),
    };

    /// <summary>Parses a target; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static XdsServerTarget Parse(string target, string? caCertificatePath = null, string? clientCertificatePath = null, string? clientKeyPath = null)
    {
        if (!TryParse(target, out var parsed, out var error))
        {
            throw new FormatException(error);
        }

        if ((clientCertificatePath is null) != (clientKeyPath is null))
        {
            throw new FormatException("xDS server target: a client certificate needs both the certificate and the key path");
        }

        if (parsed.Kind != XdsTransportKind.Tls && (caCertificatePath is not null || clientCertificatePath is not null))
        {
            throw new FormatException($"xDS server target '{target}': CA and client certificates need an https:// target");
        }

        return parsed with { CaCertificatePath = caCertificatePath, ClientCertificatePath = clientCertificatePath, ClientKeyPath = clientKeyPath };
    }

    public static bool TryParse(string? target, out XdsServerTarget result, out string error)
    {
        result = null!;
        if (string.IsNullOrWhiteSpace(target))
        {
            error = "xDS server target is empty; expected HOST:PORT, https://HOST:PORT or unix:/path";
            return false;
        }

        target = target.Trim();
        if (target.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            // gRPC naming: unix:path and unix:///absolute/path.
            var path = target["unix:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }

            if (path.Length == 0)
            {
                error = $"xDS server target '{target}': the Unix socket path is empty";
                return false;
            }

            result = new XdsServerTarget(XdsTransportKind.UnixSocket, "localhost", 0, path);
            error = "";
            return true;
        }

        var kind = XdsTransportKind.Plaintext;
        var hostPort = target;
        var schemeEnd = target.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            var scheme = target[..schemeEnd].ToLowerInvariant();
            kind = scheme switch
            {
                "https" => XdsTransportKind.Tls,
                "http" => XdsTransportKind.Plaintext,
                _ => (XdsTransportKind)(-1),
            };
            if (kind == (XdsTransportKind)(-1))
            {
                error = $"xDS server target '{target}': unknown scheme '{scheme}'; expected HOST:PORT, https://HOST:PORT or unix:/path";
                return false;
            }

            hostPort = target[(schemeEnd + 3)..].TrimEnd('/');
        }

        if (hostPort.Contains('/', StringComparison.Ordinal))
        {
            error = $"xDS server target '{target}': a path is not allowed";
            return false;
        }

        if (!TrySplitHostPort(hostPort, out var host, out var port, out var reason))
        {
            error = $"xDS server target '{target}': {reason}";
            return false;
        }

        result = new XdsServerTarget(kind, host, port, null);
        error = "";
        return true;
    }

    public override string ToString() => Kind switch
    {
        XdsTransportKind.UnixSocket => $"unix:{SocketPath}",
        XdsTransportKind.Tls => $"https://{FormatHost(Host)}:{Port.ToString(CultureInfo.InvariantCulture)}",
        _ => $"{FormatHost(Host)}:{Port.ToString(CultureInfo.InvariantCulture)}",
    };

    private static bool TrySplitHostPort(string value, out string host, out int port, out string reason)
    {
        host = "";
        port = 0;
        string portText;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= value.Length || value[close + 1] != ':')
            {
                reason = "expected [IPv6]:PORT";
                return false;
            }

            host = value[1..close];
            portText = value[(close + 2)..];
        }
        else
        {
            var colon = value.LastIndexOf(':');
            if (colon < 0)
            {
                reason = "missing :PORT";
                return false;
            }

            host = value[..colon];
            portText = value[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                reason = "an IPv6 address needs brackets: [ADDRESS]:PORT";
                return false;
            }
        }

        if (host.Length == 0)
        {
            reason = "the host is empty";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            reason = $"port '{portText}' is not a number from 1 to 65535";
            return false;
        }

        reason = "";
        return true;
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
}
