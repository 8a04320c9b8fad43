using System.Collections.Immutable;
using Envoy.Config.Core.V3;
using Google.Protobuf.Collections;
using MeshProxy.Core.Config.Http;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// <c>request_headers_to_add/remove</c> and <c>response_headers_to_add/remove</c> (route table, virtual host, route,
/// weighted cluster) to <see cref="HeaderMutationConfig"/>.
/// </summary>
internal static class HeaderMutationConverter
{
    public static HeaderMutationConfig? Convert(
        RepeatedField<HeaderValueOption> requestAdd,
        RepeatedField<string> requestRemove,
        RepeatedField<HeaderValueOption> responseAdd,
        RepeatedField<string> responseRemove,
        string path,
        ConversionContext context)
    {
        if (requestAdd.Count == 0 && requestRemove.Count == 0 && responseAdd.Count == 0 && responseRemove.Count == 0)
        {
            return HeaderMutationConfig.None;
        }

        var ok = true;
        var config = new HeaderMutationConfig
        {
            RequestHeadersToAdd = ConvertAdds(requestAdd, FieldPath.Field(path, "request_headers_to_add"), context, ref ok),
            RequestHeadersToRemove = ConvertRemoves(requestRemove, FieldPath.Field(path, "request_headers_to_remove"), context, ref ok),
            ResponseHeadersToAdd = ConvertAdds(responseAdd, FieldPath.Field(path, "response_headers_to_add"), context, ref ok),
            ResponseHeadersToRemove = ConvertRemoves(responseRemove, FieldPath.Field(path, "response_headers_to_remove"), context, ref ok),
        };
        return ok ? config : null;
    }

    private static ImmutableArray<HeaderValueOptionConfig> ConvertAdds(
        RepeatedField<HeaderValueOption> options, string path, ConversionContext context, ref bool ok)
    {
        var result = ImmutableArray.CreateBuilder<HeaderValueOptionConfig>(options.Count);
        for (var i = 0; i < options.Count; i++)
        {
            var option = options[i];
            var itemPath = FieldPath.Index(path, i);
            if (option.Header is null)
            {
                context.Error(FieldPath.Field(itemPath, "header"), "a header is required");
                ok = false;
                continue;
            }

            var headerPath = FieldPath.Field(itemPath, "header");
            var name = option.Header.Key.ToLowerInvariant();
            if (!CheckName(name, FieldPath.Field(headerPath, "key"), context))
            {
                ok = false;
                continue;
            }

#pragma warning disable CS0612 // the deprecated append field is still sent by control planes (Istio included).
            if (option.Append is not null && option.AppendAction != HeaderValueOption.Types.HeaderAppendAction.AppendIfExistsOrAdd)
            {
                context.Error(FieldPath.Field(itemPath, "append"), "append and append_action are mutually exclusive");
                ok = false;
                continue;
            }

            // The legacy BoolValue: unset and true append, false overwrites (Envoy's route-level default).
            var action = option.Append is { } append
                ? (append ? HeaderAppendAction.AppendIfExistsOrAdd : HeaderAppendAction.OverwriteIfExistsOrAdd)
                : option.AppendAction switch
                {
                    HeaderValueOption.Types.HeaderAppendAction.AddIfAbsent => HeaderAppendAction.AddIfAbsent,
                    HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExistsOrAdd => HeaderAppendAction.OverwriteIfExistsOrAdd,
                    HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExists => HeaderAppendAction.OverwriteIfExists,
                    _ => HeaderAppendAction.AppendIfExistsOrAdd,
                };
#pragma warning restore CS0612
            var fromRaw = option.Header.Value.Length == 0 && !option.Header.RawValue.IsEmpty;
            var value = fromRaw ? option.Header.RawValue.ToStringUtf8() : option.Header.Value;

            // Envoy refuses an unknown command or an unterminated '%' at load; MeshProxy also refuses the commands it
            // cannot render, rather than sending their text upstream.
            if (!HeaderValueSyntax.TryValidate(value, out var syntaxError))
            {
                context.Error(FieldPath.Field(headerPath, fromRaw ? "raw_value" : "value"), syntaxError);
                ok = false;
                continue;
            }

            result.Add(new HeaderValueOptionConfig(name, value, action) { KeepEmptyValue = option.KeepEmptyValue });
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<string> ConvertRemoves(RepeatedField<string> names, string path, ConversionContext context, ref bool ok)
    {
        var result = ImmutableArray.CreateBuilder<string>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i].ToLowerInvariant();
            if (CheckName(name, FieldPath.Index(path, i), context))
            {
                result.Add(name);
            }
            else
            {
                ok = false;
            }
        }

        return result.ToImmutable();
    }

    // Envoy refuses to add or remove pseudo-headers and Host through these lists.
    private static bool CheckName(string name, string path, ConversionContext context)
    {
        if (name.Length == 0)
        {
            context.Error(path, "a header name is required");
            return false;
        }

        if (name[0] == ':' || name == "host")
        {
            context.Error(path, $"'{name}': pseudo-headers and host may not be modified");
            return false;
        }

        return true;
    }
}
