using System.Buffers;

namespace MeshProxy.Tests.Listeners;

/// <summary>Builds multi-segment sequences, so parsers are fed the same bytes split at any offset.</summary>
internal static class Sequences
{
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, params int[] offsets)
    {
        if (offsets.Length == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var start = 0;
        Segment? first = null;
        Segment? last = null;
        foreach (var offset in offsets.Append(data.Length))
        {
            var segment = new Segment(data[start..offset]);
            if (first is null)
            {
                first = segment;
            }
            else
            {
                last!.Append(segment);
            }

            last = segment;
            start = offset;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
