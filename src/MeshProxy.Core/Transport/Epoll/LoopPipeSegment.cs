using System.Buffers;

namespace MeshProxy.Core.Transport.Epoll;

/// <summary>
/// One block of a <see cref="LoopPipe"/>: a pool block (or, for a size hint over the pool's block size, an array from
/// <see cref="ArrayPool{T}.Shared"/>) and how many of its bytes are written. Reused by its pipe once its block is
/// returned. Touched only by the pipe's loop thread.
/// </summary>
internal sealed class LoopPipeSegment : ReadOnlySequenceSegment<byte>
{
    private IMemoryOwner<byte>? _owner;
    private byte[]? _array;
    private int _end;

    /// <summary>The whole block, written or not.</summary>
    public Memory<byte> AvailableMemory { get; private set; }

    public LoopPipeSegment? NextSegment => (LoopPipeSegment?)Next;

    /// <summary>Bytes written to the block (the reader sees them once they are flushed).</summary>
    public int End
    {
        get => _end;
        set
        {
            _end = value;
            Memory = AvailableMemory[..value];
        }
    }

    public void SetOwnedMemory(IMemoryOwner<byte> owner)
    {
        _owner = owner;
        AvailableMemory = owner.Memory;
    }

    public void SetArray(byte[] array)
    {
        _array = array;
        AvailableMemory = array;
    }

    /// <summary>Returns the block to its pool and forgets it.</summary>
    public void ResetMemory()
    {
        if (_owner is { } owner)
        {
            _owner = null;
            owner.Dispose();
        }
        else if (_array is { } array)
        {
            _array = null;
            ArrayPool<byte>.Shared.Return(array);
        }

        Next = null;
        RunningIndex = 0;
        Memory = default;
        AvailableMemory = default;
        _end = 0;
    }

    /// <summary>Links <paramref name="segment"/> after this one; this segment's <see cref="End"/> is final.</summary>
    public void SetNext(LoopPipeSegment segment)
    {
        Next = segment;
        segment.RunningIndex = RunningIndex + _end;
    }
}
