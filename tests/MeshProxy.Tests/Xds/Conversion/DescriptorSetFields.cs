using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MeshProxy.Tests.Xds.Conversion;

/// <summary>
/// The set-field test <c>UnsupportedFields</c> ran on Google.Protobuf's descriptors before it read the wire instead
/// (kept verbatim as the reference its parity tests compare against): a field is set when it differs from its default.
/// </summary>
internal static class DescriptorSetFields
{
    /// <summary>The names of the set fields of <paramref name="message"/>, in declaration order.</summary>
    public static IEnumerable<string> Names(IMessage message) =>
        message.Descriptor.Fields.InDeclarationOrder().Where(field => IsSet(message, field)).Select(field => field.Name);

    public static bool IsSet(IMessage message, FieldDescriptor field)
    {
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
