namespace MeshProxy.Admin;

/// <summary>A complete admin reply; admin bodies are small enough to render whole.</summary>
internal readonly record struct AdminResponse(int Status, string ContentType, string Body)
{
    public static AdminResponse Text(int status, string body) => new(status, "text/plain; charset=UTF-8", body);

    public static AdminResponse Json(string body) => new(200, "application/json", body);
}
