using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Xds.Schema;
using UdpaTypedStruct = Udpa.Type.V1.TypedStruct;
using XdsTypedStruct = Xds.Type.V3.TypedStruct;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// The type a filter's <c>typed_config</c> really carries. Istio sends some filters as <c>udpa.type.v1.TypedStruct</c>
/// or <c>xds.type.v3.TypedStruct</c> (a type URL plus a JSON-like <c>Struct</c>) so that control planes need not
/// compile the filter's proto; filters are identified by the inner type URL then.
/// </summary>
/// <param name="TypeUrl">The effective type URL (the TypedStruct's inner one when wrapped).</param>
/// <param name="Struct">The TypedStruct's value when wrapped, else null.</param>
internal readonly record struct TypedConfig(string TypeUrl, Struct? Struct)
{
    public const string UdpaTypedStructUrl = "type.googleapis.com/udpa.type.v1.TypedStruct";
    public const string XdsTypedStructUrl = "type.googleapis.com/xds.type.v3.TypedStruct";

    /// <summary>The name after the last <c>/</c> of the type URL (<c>envoy.extensions.filters.http.router.v3.Router</c>).</summary>
    public string TypeName => TypeUrl[(TypeUrl.LastIndexOf('/') + 1)..];

    /// <summary>Unwraps a TypedStruct; records an error and returns null when the wrapper does not decode.</summary>
    public static TypedConfig? Resolve(Any any, string path, ConversionContext context)
    {
        try
        {
            switch (any.TypeUrl)
            {
                case UdpaTypedStructUrl:
                    var udpa = UdpaTypedStruct.Parser.ParseFrom(any.Value);
                    return new TypedConfig(udpa.TypeUrl, udpa.Value ?? new Struct());
                case XdsTypedStructUrl:
                    var xds = XdsTypedStruct.Parser.ParseFrom(any.Value);
                    return new TypedConfig(xds.TypeUrl, xds.Value ?? new Struct());
                default:
                    return new TypedConfig(any.TypeUrl, null);
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            context.Error(path, $"cannot decode {any.TypeUrl}: {ex.Message}");
            return null;
        }
    }

    /// <summary>Unpacks a typed config of a known type; records an error naming the type on failure.</summary>
    /// <remarks>
    /// What <see cref="Any.Unpack{T}"/> does, with the same error text, but naming the type from the schema: Unpack
    /// reads <c>T.Descriptor</c>, which builds the descriptors of the type's whole import closure.
    /// </remarks>
    public static T? Unpack<T>(Any any, string path, ConversionContext context)
        where T : class, IMessage<T>, new()
    {
        if (!Is<T>(any))
        {
            var fullName = FullNameOf<T>.Value;
            var name = fullName[(fullName.LastIndexOf('.') + 1)..];
            context.Error(path, $"cannot decode {any.TypeUrl}: Full type name for {name} is {fullName}; Any message's type url is {any.TypeUrl}");
            return null;
        }

        try
        {
            var message = new T();
            message.MergeFrom(any.Value);
            return message;
        }
        catch (InvalidProtocolBufferException ex)
        {
            context.Error(path, $"cannot decode {any.TypeUrl}: {ex.Message}");
            return null;
        }
    }

    /// <summary>What <c>any.Is(T.Descriptor)</c> says, without building the descriptor.</summary>
    public static bool Is<T>(Any any)
        where T : IMessage
    {
        // Any.GetTypeName's rule: the type is the part after the last '/', and a URL without one names none.
        var slash = any.TypeUrl.LastIndexOf('/');
        return slash >= 0 && any.TypeUrl.AsSpan(slash + 1).SequenceEqual(FullNameOf<T>.Value);
    }

    private static class FullNameOf<T>
    {
        public static readonly string Value = ProtoSchema.Envoy.GetMessage(typeof(T)).FullName;
    }
}
