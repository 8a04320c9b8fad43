using System.Numerics;

namespace MeshProxy.LoadGen.Load;

/// <summary>
/// A log-linear latency histogram in the style of HdrHistogram: values below 2^<see cref="SubBucketBits"/> are
/// counted exactly; above, each power of two is split into 2^(SubBucketBits-1) equal sub-buckets, so a recorded
/// value is known to within 1/128 (0.8%) at any magnitude. All storage is allocated up front; <see cref="Record"/>
/// allocates nothing and is safe from several threads at once (interlocked adds). Values are nanoseconds.
/// </summary>
public sealed class LogLinearHistogram
{
    /// <summary>Bits of exact resolution: 256 exact values, then 128 sub-buckets per power of two.</summary>
    public const int SubBucketBits = 8;

    /// <summary>Largest value kept apart (about 18 minutes in ns); larger values are clamped to it.</summary>
    public const long MaxValue = (1L << 40) - 1;

    private const int HalfCount = 1 << (SubBucketBits - 1);
    private static readonly int BucketCount = IndexOf(MaxValue) + 1;

    private readonly long[] _counts = new long[BucketCount];
    private long _total;
    private long _max;
    private long _min = long.MaxValue;
    private long _sum;

    public long TotalCount => Volatile.Read(ref _total);

    public long Max => Volatile.Read(ref _max);

    public long Min => TotalCount == 0 ? 0 : Volatile.Read(ref _min);

    public double Mean => TotalCount == 0 ? 0 : (double)Volatile.Read(ref _sum) / TotalCount;

    public void Record(long value)
    {
        value = Math.Clamp(value, 0, MaxValue);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sum, value);
        long seen = Volatile.Read(ref _max);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref _max, value, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }

        seen = Volatile.Read(ref _min);
        while (value < seen)
        {
            long was = Interlocked.CompareExchange(ref _min, value, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }
    }

    /// <summary>Adds every count of <paramref name="other"/> into this one.</summary>
    public void Add(LogLinearHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        _total += other._total;
        _sum += other._sum;
        _max = Math.Max(_max, other._max);
        _min = Math.Min(_min, other._min);
    }

    /// <summary>The value at percentile <paramref name="percentile"/> (0-100): the highest value equivalent to the
    /// bucket holding that rank, never above the largest value recorded (HdrHistogram's convention).</summary>
    public long ValueAtPercentile(double percentile)
    {
        long total = TotalCount;
        if (total == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalent(i), Max);
            }
        }

        return Max;
    }

    /// <summary>Bucket index of a value (exposed for tests of continuity).</summary>
    public static int IndexOf(long value)
    {
        if (value < (1L << SubBucketBits))
        {
            return (int)value;
        }

        int msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = msb - SubBucketBits + 1;
        return (shift * HalfCount) + (int)(value >> shift);
    }

    /// <summary>The smallest value that lands in bucket <paramref name="index"/>.</summary>
    public static long LowestEquivalent(int index)
    {
        if (index < (1 << SubBucketBits))
        {
            return index;
        }

        int shift = (index >> (SubBucketBits - 1)) - 1;
        long sub = index - (shift * HalfCount);
        return sub << shift;
    }

    /// <summary>The largest value that lands in bucket <paramref name="index"/>.</summary>
    public static long HighestEquivalent(int index) => LowestEquivalent(index + 1) - 1;
}
