using Envoy.Config.Core.V3;
using MeshProxy.Xds.Schema;

namespace MeshProxy.Xds.Conversion;

/// <summary>
/// Envoy's <c>ConfigSource</c> where MeshProxy expects the resource on the ADS stream (RDS in an HCM, EDS in a
/// cluster). Only <c>ads: {}</c> is accepted: MeshProxy runs one aggregated stream and no other subscription.
/// </summary>
public static class ConfigSourceConverter
{
    /// <param name="source">The proto; null records "required".</param>
    /// <param name="path">Path of the config source field.</param>
    /// <param name="context">Where errors and warnings go.</param>
    /// <param name="initialFetchTimeout">The source's <c>initial_fetch_timeout</c>: null when unset (Envoy's 15 s
    /// default applies), <see cref="TimeSpan.Zero"/> for "wait forever".</param>
    /// <returns>False when an error was recorded.</returns>
    public static bool ConvertAds(ConfigSource? source, string path, ConversionContext context, out TimeSpan? initialFetchTimeout)
    {
        ArgumentNullException.ThrowIfNull(context);
        initialFetchTimeout = null;
        if (source is null)
        {
            context.Error(path, "a config source is required; MeshProxy supports ads: {}");
            return false;
        }

        var ok = true;
        if (source.ConfigSourceSpecifierCase != ConfigSource.ConfigSourceSpecifierOneofCase.Ads)
        {
            var what = source.ConfigSourceSpecifierCase == ConfigSource.ConfigSourceSpecifierOneofCase.None
                ? "no source"
                : FieldName(source.ConfigSourceSpecifierCase);
            context.Error(path, $"config source {what} is not supported; MeshProxy receives everything on its ADS stream (ads: {{}})");
            ok = false;
        }

#pragma warning disable CS0612 // V2 is obsolete; naming it is how it is refused.
        if (source.ResourceApiVersion == ApiVersion.V2)
        {
            context.Error(FieldPath.Field(path, "resource_api_version"), "xDS v2 is not supported; use V3");
            ok = false;
        }
#pragma warning restore CS0612

        if (source.InitialFetchTimeout is not null)
        {
            initialFetchTimeout = DurationConverter.Convert(
                source.InitialFetchTimeout, TimeSpan.Zero, FieldPath.Field(path, "initial_fetch_timeout"), context, allowZero: true);
            ok &= initialFetchTimeout is not null;
        }

        UnsupportedFields.Warn(
            source, path, context, "path", "path_config_source", "api_config_source", "ads", "self", "initial_fetch_timeout", "resource_api_version");
        return ok;
    }

    private static string FieldName(ConfigSource.ConfigSourceSpecifierOneofCase which) =>
        ProtoSchema.Envoy.GetMessage(typeof(ConfigSource)).FindFieldByNumber((int)which)?.Name ?? which.ToString();
}
