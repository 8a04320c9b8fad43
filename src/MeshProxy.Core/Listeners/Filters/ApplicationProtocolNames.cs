namespace MeshProxy.Core.Listeners.Filters;

/// <summary>
/// Protocol names the inspectors report. The common ones are shared strings and one-element arrays, so a connection
/// that speaks them allocates nothing for its protocol list; Istio's ALPN values are among them.
/// </summary>
internal static class ApplicationProtocolNames
{
    public const string Http2 = "h2";
    public const string Http2Cleartext = "h2c";
    public const string Http11 = "http/1.1";
    public const string Http10 = "http/1.0";

    public static readonly string[] Http11Only = [Http11];
    public static readonly string[] Http10Only = [Http10];
    public static readonly string[] Http2CleartextOnly = [Http2Cleartext];

    private static readonly string[] Known =
    [
        Http2, Http11, Http10, "istio-peer-exchange", "istio", "istio-http/1.0", "istio-http/1.1", "istio-h2",
    ];

    private static readonly string[][] KnownOnly = Known.Select(static name => new[] { name }).ToArray();

    /// <summary>The shared string for a known name, else a new one.</summary>
    public static string Get(ReadOnlySpan<byte> name)
    {
        var index = IndexOf(name);
        return index >= 0 ? Known[index] : System.Text.Encoding.ASCII.GetString(name);
    }

    /// <summary>A shared one-element array for a known name, else null.</summary>
    public static string[]? GetSingle(ReadOnlySpan<byte> name)
    {
        var index = IndexOf(name);
        return index >= 0 ? KnownOnly[index] : null;
    }

    private static int IndexOf(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < Known.Length; i++)
        {
            var known = Known[i];
            if (known.Length != name.Length)
            {
                continue;
            }

            var equal = true;
            for (var j = 0; j < name.Length; j++)
            {
                if (known[j] != name[j])
                {
                    equal = false;
                    break;
                }
            }

            if (equal)
            {
                return i;
            }
        }

        return -1;
    }
}
