using System.Buffers;

namespace MeshProxy.Tests.Support;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as a pipe hands them out, for codec tests.</summary>
public static class SegmentedSequence
{
    /// <summary>A sequence with one segment per piece (empty pieces are kept, to test empty segments too).</summary>
    public static ReadOnlySequence<byte> Create(params ReadOnlyMemory<byte>[] pieces)
    {
        if (pieces.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (pieces.Length == 1)
        {
            return new ReadOnlySequence<byte>(pieces[0]);
        }

        var first = new Segment(pieces[0], 0);
        var last = first;
        for (var i = 1; i < pieces.Length; i++)
        {
            last = last.Append(pieces[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary><paramref name="data"/> cut at each offset in <paramref name="cuts"/> (ascending).</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, params int[] cuts)
    {
        var pieces = new ReadOnlyMemory<byte>[cuts.Length + 1];
        var start = 0;
        for (var i = 0; i < cuts.Length; i++)
        {
            pieces[i] = data[start..cuts[i]];
            start = cuts[i];
        }

        pieces[^1] = data[start..];
        return Create(pieces);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> BytePerSegment(ReadOnlyMemory<byte> data)
    {
        var pieces = new ReadOnlyMemory<byte>[Math.Max(1, data.Length)];
        for (var i = 0; i < data.Length; i++)
        {
            pieces[i] = data.Slice(i, 1);
        }

        return data.IsEmpty ? ReadOnlySequence<byte>.Empty : Create(pieces);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
