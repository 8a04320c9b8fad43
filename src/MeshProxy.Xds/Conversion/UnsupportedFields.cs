using System.Buffers;
using System.Collections.Concurrent;
using Google.Protobuf;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Names every field that is set on a message but that MeshProxy does not act on yet, one warning each,
/// so that nothing in a user's config is dropped silently. Driven by the schema, so new upstream
/// fields are covered without code changes.
/// </summary>
/// <remarks>
/// A field is set when it differs from its default: present for fields with presence (messages, oneof members,
/// proto3 <c>optional</c>), non-empty for repeated and map fields, non-zero or non-empty otherwise. That is exactly
/// what the generated serializer writes, so the message is serialized and the field numbers on the wire are read
/// back: Google.Protobuf's reflection would build the descriptors of the message's whole import closure (megabytes,
/// kept for the life of the process).
/// </remarks>
public static class UnsupportedFields
{
    // Messages up to this size are serialized on the stack; larger ones into a pooled array.
    private const int StackBufferSize = 512;

    // Field counts up to this use a stack bitmap; a message with more fields (none in the Envoy API today) the heap.
    private const int StackFieldCount = 256;

    private static readonly ConcurrentDictionary<Type, FieldIndex> Indexes = new();

    /// <summary>Warns about each set field of <paramref name="message"/> not named in <paramref name="handled"/>.</summary>
    public static void Warn(IMessage message, string path, ConversionContext context, params ReadOnlySpan<string> handled)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var index = IndexOf(message);
        var fields = index.Fields;
        Span<bool> set = fields.Count <= StackFieldCount ? stackalloc bool[fields.Count] : new bool[fields.Count];
        if (!MarkSet(message, index, set))
        {
            return;
        }

        for (var i = 0; i < fields.Count; i++)
        {
            if (set[i] && !handled.Contains(fields[i].Name))
            {
                context.Warning(FieldPath.Field(path, fields[i].Name), "not supported yet; ignored");
            }
        }
    }

    /// <summary>
    /// Records an error for each set field of <paramref name="message"/> not named in <paramref name="handled"/>: for
    /// criteria whose omission would change what matches (a route match condition, say), where ignoring is not safe.
    /// </summary>
    /// <returns>True when no such field is set.</returns>
    public static bool Reject(IMessage message, string path, ConversionContext context, string reason, params ReadOnlySpan<string> handled)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var index = IndexOf(message);
        var fields = index.Fields;
        Span<bool> set = fields.Count <= StackFieldCount ? stackalloc bool[fields.Count] : new bool[fields.Count];
        if (!MarkSet(message, index, set))
        {
            return true;
        }

        var ok = true;
        for (var i = 0; i < fields.Count; i++)
        {
            if (set[i] && !handled.Contains(fields[i].Name))
            {
                context.Error(FieldPath.Field(path, fields[i].Name), $"not supported; {reason}");
                ok = false;
            }
        }

        return ok;
    }

    private static FieldIndex IndexOf(IMessage message) =>
        Indexes.GetOrAdd(message.GetType(), static type => new FieldIndex(ProtoSchema.Envoy.GetMessage(type)));

    /// <summary>Sets <c>set[i]</c> for each declared field i that is on the wire; false when the message is empty.</summary>
    private static bool MarkSet(IMessage message, FieldIndex index, Span<bool> set)
    {
        var size = message.CalculateSize();
        if (size == 0)
        {
            return false;
        }

        byte[]? rented = null;
        Span<byte> buffer = size <= StackBufferSize ? stackalloc byte[StackBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            var bytes = buffer[..size];
            message.WriteTo(bytes);
            var reader = new WireReader(bytes);
            while (reader.TryReadTag(out var number, out var wire))
            {
                // Unknown fields (kept from a newer peer's bytes) are not declared: the descriptor walk never saw them either.
                if (index.Find(number) is var i and >= 0)
                {
                    set[i] = true;
                }

                reader.Skip(wire, number);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return true;
    }

    /// <summary>A message's fields in declaration order, with the position of each field number in that order.</summary>
    private sealed class FieldIndex
    {
        // Field numbers are small and dense in the Envoy API; a sparse message (numbers far above its field count)
        // gets a dictionary instead of a mostly empty array.
        private const int DenseSlack = 64;

        private readonly int[]? _dense;
        private readonly Dictionary<int, int>? _sparse;

        public FieldIndex(MessageSchema schema)
        {
            Fields = schema.Fields;
            var max = 0;
            foreach (var field in Fields)
            {
                max = Math.Max(max, field.Number);
            }

            if (max <= (Fields.Count * 2) + DenseSlack)
            {
                _dense = new int[max + 1];
                _dense.AsSpan().Fill(-1);
                for (var i = 0; i < Fields.Count; i++)
                {
                    _dense[Fields[i].Number] = i;
                }
            }
            else
            {
                _sparse = new Dictionary<int, int>(Fields.Count);
                for (var i = 0; i < Fields.Count; i++)
                {
                    _sparse[Fields[i].Number] = i;
                }
            }
        }

        public IReadOnlyList<FieldSchema> Fields { get; }

        public int Find(int number) =>
            _dense is not null
                ? ((uint)number < (uint)_dense.Length ? _dense[number] : -1)
                : _sparse!.GetValueOrDefault(number, -1);
    }
}
