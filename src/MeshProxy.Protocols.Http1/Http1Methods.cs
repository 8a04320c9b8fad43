using System.Text;

namespace MeshProxy.Protocols.Http1;

/// <summary>Method lookup and pre-encoded method names (methods are case-sensitive, RFC 9110 section 9.1).</summary>
public static class Http1Methods
{
    public static Http1Method Lookup(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => Http1Method.Get,
        3 when method.SequenceEqual("PUT"u8) => Http1Method.Put,
        4 when method.SequenceEqual("POST"u8) => Http1Method.Post,
        4 when method.SequenceEqual("HEAD"u8) => Http1Method.Head,
        5 when method.SequenceEqual("PATCH"u8) => Http1Method.Patch,
        5 when method.SequenceEqual("TRACE"u8) => Http1Method.Trace,
        6 when method.SequenceEqual("DELETE"u8) => Http1Method.Delete,
        7 when method.SequenceEqual("OPTIONS"u8) => Http1Method.Options,
        7 when method.SequenceEqual("CONNECT"u8) => Http1Method.Connect,
        _ => Http1Method.Custom,
    };

    /// <summary>The method's bytes; empty for <see cref="Http1Method.Custom"/>.</summary>
    public static ReadOnlySpan<byte> GetBytes(Http1Method method) => method switch
    {
        Http1Method.Get => "GET"u8,
        Http1Method.Head => "HEAD"u8,
        Http1Method.Post => "POST"u8,
        Http1Method.Put => "PUT"u8,
        Http1Method.Delete => "DELETE"u8,
        Http1Method.Connect => "CONNECT"u8,
        Http1Method.Options => "OPTIONS"u8,
        Http1Method.Trace => "TRACE"u8,
        Http1Method.Patch => "PATCH"u8,
        _ => [],
    };

    public static string ToString(ReadOnlySpan<byte> method) => Encoding.ASCII.GetString(method);
}
