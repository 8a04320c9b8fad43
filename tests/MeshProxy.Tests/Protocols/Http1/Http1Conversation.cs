using System.Text;
using MeshProxy.Protocols.Http1;

namespace MeshProxy.Tests.Protocols.Http1;

/// <summary>Everything parsed from one input: the messages, then an error, a tunnel, or an incomplete tail.</summary>
public sealed class Http1Conversation
{
    public List<ParsedMessage> Messages { get; } = [];

    public Http1ParseError? Error { get; set; }

    /// <summary>Bytes after a 101 or 2xx-to-CONNECT response.</summary>
    public string? Tunnel { get; set; }

    /// <summary>"head" or "body" when the input ended inside a message.</summary>
    public string? Incomplete { get; set; }

    public ParsedMessage Only => Assert.Single(Messages);

    public Http1Error ErrorCode => Error?.Code ?? Http1Error.None;

    public string Transcript
    {
        get
        {
            var text = new StringBuilder();
            foreach (var message in Messages)
            {
                text.Append(message);
            }

            text.Append($"error={Error?.ToString() ?? "none"} tunnel={Tunnel ?? "none"} incomplete={Incomplete ?? "none"}\n");
            return text.ToString();
        }
    }
}
