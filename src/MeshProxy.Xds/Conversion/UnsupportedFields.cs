using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Names every field that is set on a message but that MeshProxy does not act on yet, one warning each,
/// so that nothing in a user's config is dropped silently. Driven by the descriptor, so new upstream
/// fields are covered without code changes.
/// </summary>
public static class UnsupportedFields
{
    /// <summary>Warns about each set field of <paramref name="message"/> not named in <paramref name="handled"/>.</summary>
    public static void Warn(IMessage message, string path, ConversionContext context, params ReadOnlySpan<string> handled)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (handled.Contains(field.Name) || !IsSet(message, field))
            {
                continue;
            }

            context.Warning(FieldPath.Field(path, field.Name), "not supported yet; ignored");
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
        var ok = true;
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (handled.Contains(field.Name) || !IsSet(message, field))
            {
                continue;
            }

            context.Error(FieldPath.Field(path, field.Name), $"not supported; {reason}");
            ok = false;
        }

        return ok;
    }

    /// <summary>True when the field differs from its default (present, non-empty, non-zero).</summary>
    public static bool IsSet(IMessage message, FieldDescriptor field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.IsMap || field.IsRepeated)
        {
            return field.Accessor.GetValue(message) is ICollection { Count: > 0 };
        }

        if (field.HasPresence)
        {
            return field.Accessor.HasValue(message);
        }

        return field.Accessor.GetValue(message) switch
        {
            null => false,
            string text => text.Length > 0,
            ByteString bytes => !bytes.IsEmpty,
            bool flag => flag,
            float number => number != 0,
            double number => number != 0,
            IConvertible number => number.ToInt64(null) != 0,
            _ => true,
        };
    }
}
