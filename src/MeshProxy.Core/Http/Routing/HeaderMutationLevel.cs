using System.Buffers;
using System.Text;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Core.Http.Routing;

/// <summary>
/// One level's header changes (table, virtual host, route or weighted cluster), compiled. Applied as Envoy's
/// <c>HeaderParser::evaluateHeaders</c>: removals first; then every value is rendered and every append action decided
/// against the headers as they are before this level's additions; then the overwrites, then the additions.
/// </summary>
internal sealed class HeaderMutationLevel
{
    private const int StackEntries = 32;

    private readonly byte[][] _requestRemove;
    private readonly HeaderAdd[] _requestAdd;
    private readonly byte[][] _responseRemove;
    private readonly HeaderAdd[] _responseAdd;

    private HeaderMutationLevel(HeaderMutationConfig config)
    {
        _requestRemove = [.. config.RequestHeadersToRemove.Select(NameBytes)];
        _requestAdd = [.. config.RequestHeadersToAdd.Select(a => new HeaderAdd(a))];
        _responseRemove = [.. config.ResponseHeadersToRemove.Select(NameBytes)];
        _responseAdd = [.. config.ResponseHeadersToAdd.Select(a => new HeaderAdd(a))];
    }

    public bool HasRequest => _requestRemove.Length > 0 || _requestAdd.Length > 0;

    public bool HasResponse => _responseRemove.Length > 0 || _responseAdd.Length > 0;

    /// <summary>Null for a level without changes, so callers can skip it when building level lists.</summary>
    public static HeaderMutationLevel? Create(HeaderMutationConfig config) => config.IsEmpty ? null : new HeaderMutationLevel(config);

    /// <summary>The levels in the order given, without nulls, as request and response lists.</summary>
    public static (HeaderMutationLevel[] Request, HeaderMutationLevel[] Response) Order(params HeaderMutationLevel?[] levels) =>
        ([.. levels.Where(l => l is { HasRequest: true })!], [.. levels.Where(l => l is { HasResponse: true })!]);

    public static void ApplyAll(HeaderMutationLevel[] levels, bool response, IHttpRequestView request, IHttpHeaderMutator headers, in HeaderFormatContext context)
    {
        foreach (var level in levels)
        {
            if (response)
            {
                Apply(level._responseRemove, level._responseAdd, request, headers, context);
            }
            else
            {
                Apply(level._requestRemove, level._requestAdd, request, headers, context);
            }
        }
    }

    private static void Apply(byte[][] removes, HeaderAdd[] adds, IHttpRequestView request, IHttpHeaderMutator headers, in HeaderFormatContext context)
    {
        foreach (var name in removes)
        {
            headers.Remove(name);
        }

        if (adds.Length == 0)
        {
            return;
        }

        // Per entry: start, length, and what to do (0 skip, 1 overwrite, 2 add).
        int[]? rented = null;
        var plan = adds.Length <= StackEntries ? stackalloc int[StackEntries * 3] : (rented = ArrayPool<int>.Shared.Rent(adds.Length * 3));
        var scratch = new ScratchBuffer(256);
        try
        {
            for (var i = 0; i < adds.Length; i++)
            {
                var add = adds[i];
                var start = scratch.Length;
                if (add.Value.Literal is { } literal)
                {
                    scratch.Write(literal);
                }
                else
                {
                    add.Value.Write(ref scratch, request, context);
                }

                var length = scratch.Length - start;
                plan[i * 3] = start;
                plan[(i * 3) + 1] = length;
                plan[(i * 3) + 2] = length == 0 && !add.KeepEmptyValue ? 0 : add.Action switch
                {
                    HeaderAppendAction.AppendIfExistsOrAdd => 2,
                    HeaderAppendAction.AddIfAbsent => headers.Contains(add.Name) ? 0 : 2,
                    HeaderAppendAction.OverwriteIfExists => headers.Contains(add.Name) ? 1 : 0,
                    _ => 1,
                };
            }

            for (var op = 1; op <= 2; op++)
            {
                for (var i = 0; i < adds.Length; i++)
                {
                    if (plan[(i * 3) + 2] != op)
                    {
                        continue;
                    }

                    var value = scratch.Slice(plan[i * 3], plan[(i * 3) + 1]);
                    if (op == 1)
                    {
                        headers.Set(adds[i].Name, value);
                    }
                    else
                    {
                        headers.Add(adds[i].Name, value);
                    }
                }
            }
        }
        finally
        {
            scratch.Dispose();
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    private static byte[] NameBytes(string name) => Encoding.ASCII.GetBytes(name.ToLowerInvariant());

    private sealed class HeaderAdd(HeaderValueOptionConfig config)
    {
        public byte[] Name { get; } = NameBytes(config.Name);

        public HeaderValueFormat Value { get; } = HeaderValueFormat.Parse(config.Value);

        public HeaderAppendAction Action { get; } = config.AppendAction;

        public bool KeepEmptyValue { get; } = config.KeepEmptyValue;
    }
}
