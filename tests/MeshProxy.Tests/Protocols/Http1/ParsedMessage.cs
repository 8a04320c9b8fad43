using System.Buffers;
using System.Text;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>A message as the harness saw it: head, body bytes and trailers, as plain strings for assertions.</summary>
public sealed class ParsedMessage
{
    private readonly StringBuilder _body = new();

    public Http1Method Method { get; private init; }

    public string MethodText { get; private init; } = "";

    public string Target { get; private init; } = "";

    public Http1TargetForm TargetForm { get; private init; }

    public Http1Version Version { get; private init; }

    public int StatusCode { get; private init; }

    public string Reason { get; private init; } = "";

    public List<(string Name, string Value, bool HopByHop)> Headers { get; } = [];

    public Http1MessageInfo Info { get; private init; }

    public string Body => _body.ToString();

    public bool BodyComplete { get; private set; }

    public List<(string Name, string Value)> Trailers { get; } = [];

    public string? Header(string name) =>
        Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public static ParsedMessage From(Http1RequestHead head)
    {
        var message = new ParsedMessage
        {
            Method = head.Method,
            MethodText = Encoding.Latin1.GetString(head.MethodBytes),
            Target = Encoding.Latin1.GetString(head.Target),
            TargetForm = head.TargetForm,
            Version = head.Version,
            Info = head.Info,
        };
        message.CopyHeaders(head.Headers);
        return message;
    }

    public static ParsedMessage From(Http1ResponseHead head)
    {
        var message = new ParsedMessage
        {
            StatusCode = head.StatusCode,
            Reason = Encoding.Latin1.GetString(head.Reason),
            Version = head.Version,
            Info = head.Info,
        };
        message.CopyHeaders(head.Headers);
        return message;
    }

    public void AppendBody(in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            _body.Append(Encoding.Latin1.GetString(segment.Span));
        }
    }

    public void CompleteBody(Http1Headers trailers)
    {
        BodyComplete = true;
        for (var i = 0; i < trailers.Count; i++)
        {
            Trailers.Add((Encoding.Latin1.GetString(trailers[i].Name), Encoding.Latin1.GetString(trailers[i].Value)));
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(StatusCode == 0
            ? $"{MethodText}({Method}) {Target} {TargetForm} {Version}\n"
            : $"{Version} {StatusCode} '{Reason}'\n");
        foreach (var (name, value, hop) in Headers)
        {
            text.Append($"  {name}: '{value}'{(hop ? " [hop]" : "")}\n");
        }

        text.Append($"  {Info}\n  body[{Body.Length}] complete={BodyComplete}: '{Body}'\n");
        foreach (var (name, value) in Trailers)
        {
            text.Append($"  trailer {name}: '{value}'\n");
        }

        return text.ToString();
    }

    private void CopyHeaders(Http1Headers headers)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            var h = headers[i];
            Headers.Add((Encoding.Latin1.GetString(h.Name), Encoding.Latin1.GetString(h.Value), h.IsHopByHop));
        }
    }
}
