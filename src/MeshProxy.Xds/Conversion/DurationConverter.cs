using Google.Protobuf.WellKnownTypes;

namespace MeshProxy.Xds.Conversion;

/// <summary>Protobuf <c>Duration</c> to <see cref="TimeSpan"/> with Envoy's usual constraints.</summary>
public static class DurationConverter
{
    /// <summary>Returns <paramref name="defaultValue"/> when unset, null (after recording an error) when invalid.</summary>
    public static TimeSpan? Convert(Duration? duration, TimeSpan defaultValue, string path, ConversionContext context, bool allowZero)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (duration is null)
        {
            return defaultValue;
        }

        if (duration.Seconds < 0 || duration.Nanos < 0)
        {
            context.Error(path, $"{duration} must not be negative");
            return null;
        }

        if (!allowZero && duration.Seconds == 0 && duration.Nanos == 0)
        {
            context.Error(path, "must be greater than 0s");
            return null;
        }

        if (duration.Seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            context.Error(path, $"{duration} is too large");
            return null;
        }

        return duration.ToTimeSpan();
    }
}
