namespace MeshProxy.Core.Http.ConnectionManager;

/// <summary>UUID v4 <c>x-request-id</c> values (Envoy's default request-id extension), written into a span: no allocation.</summary>
internal static class RequestIdGenerator
{
    public const int Length = 36;

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>Writes <c>xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx</c> (RFC 9562 version 4, variant 10).</summary>
    public static void Write(Span<byte> destination)
    {
        Span<byte> random = stackalloc byte[16];
        // A request id correlates logs and traces; it is not a secret (Envoy uses its fast PRNG too), so the
        // thread-local xoshiro behind Random.Shared does, without a system call per request.
#pragma warning disable CA5394 // Not used for security.
        Random.Shared.NextBytes(random);
#pragma warning restore CA5394
        random[6] = (byte)((random[6] & 0x0F) | 0x40);
        random[8] = (byte)((random[8] & 0x3F) | 0x80);
        var pos = 0;
        for (var i = 0; i < 16; i++)
        {
            if (i is 4 or 6 or 8 or 10)
            {
                destination[pos++] = (byte)'-';
            }

            destination[pos++] = Hex[random[i] >> 4];
            destination[pos++] = Hex[random[i] & 0xF];
        }
    }
}
