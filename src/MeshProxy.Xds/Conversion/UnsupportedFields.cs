using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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
        Span<bool> reported = index.Names.Length <= StackFieldCount ? stackalloc bool[index.Names.Length] : new bool[index.Names.Length];
        if (!FindUnhandled(message, index, handled, reported))
        {
            return;
        }

        for (var i = 0; i < reported.Length; i++)
        {
            if (reported[i])
            {
                context.Warning(FieldPath.Field(path, index.Names[i]), "not supported yet; ignored");
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
        Span<bool> reported = index.Names.Length <= StackFieldCount ? stackalloc bool[index.Names.Length] : new bool[index.Names.Length];
        if (!FindUnhandled(message, index, handled, reported))
        {
            return true;
        }

        for (var i = 0; i < reported.Length; i++)
        {
            if (reported[i])
            {
                context.Error(FieldPath.Field(path, index.Names[i]), $"not supported; {reason}");
            }
        }

        return false;
    }

    private static FieldIndex IndexOf(IMessage message) =>
        Indexes.GetOrAdd(message.GetType(), static type => new FieldIndex(ProtoSchema.Envoy.GetMessage(type)));

    /// <summary>Sets <c>reported[i]</c> for each declared field i that is set and not handled; false when there is none.</summary>
    private static bool FindUnhandled(IMessage message, FieldIndex index, ReadOnlySpan<string> handled, Span<bool> reported)
    {
        // Converters name every field of some small messages they see in bulk (an EDS LbEndpoint, say): then nothing can
        // be reported, and serializing would be wasted. Fewer names than fields cannot cover them all, so a message with
        // many fields (a Cluster) is not searched for each name.
        if (handled.Length >= index.Names.Length && AllHandled(index.Names, handled))
        {
            return false;
        }

        MarkPresent(message, index, reported);
        var any = false;
        for (var i = 0; i < reported.Length; i++)
        {
            if (reported[i] && handled.Contains(index.Names[i]))
            {
                reported[i] = false;
            }

            any |= reported[i];
        }

        return any;
    }

    private static bool AllHandled(string[] names, ReadOnlySpan<string> handled)
    {
        foreach (var name in names)
        {
            if (!handled.Contains(name))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Sets <c>present[i]</c> for each declared field i that is on the wire.</summary>
    // The buffer is written in full before it is read: zeroing it first would be wasted work on every call.
    [SkipLocalsInit]
    private static void MarkPresent(IMessage message, FieldIndex index, Span<bool> present)
    {
        var size = message.CalculateSize();
        if (size == 0)
        {
            return;
        }

        byte[]? rented = null;
        Span<byte> buffer = size <= StackBufferSize ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size));
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
                    present[i] = true;
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
    }

    /// <summary>A message's field names in declaration order, with the position of each field number in that order.</summary>
    private sealed class FieldIndex
    {
        // Field numbers are small and dense in the Envoy API; a sparse message (numbers far above its field count)
        // gets a dictionary instead of a mostly empty array.
        private const int DenseSlack = 64;

        private readonly int[]? _dense;
        private readonly Dictionary<int, int>? _sparse;

        public FieldIndex(MessageSchema schema)
        {
            // Interned, so that the converters' literal names match by reference.
            Names = [.. schema.Fields.Select(field => string.Intern(field.Name))];
            var max = 0;
            foreach (var field in schema.Fields)
            {
                max = Math.Max(max, field.Number);
            }

            if (max <= (Names.Length * 2) + DenseSlack)
            {
                _dense = new int[max + 1];
                _dense.AsSpan().Fill(-1);
                for (var i = 0; i < schema.Fields.Count; i++)
                {
                    _dense[schema.Fields[i].Number] = i;
                }
            }
            else
            {
                _sparse = new Dictionary<int, int>(Names.Length);
                for (var i = 0; i < schema.Fields.Count; i++)
                {
                    _sparse[schema.Fields[i].Number] = i;
                }
            }
        }

        /// <summary>The fields' names, in declaration order.</summary>
        public string[] Names { get; }

        public int Find(int number) =>
            _dense is not null
                ? ((uint)number < (uint)_dense.Length ? _dense[number] : -1)
                : _sparse!.GetValueOrDefault(number, -1);
    }
}
