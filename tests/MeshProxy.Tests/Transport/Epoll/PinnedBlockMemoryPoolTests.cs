using System.Buffers;
using System.Runtime.InteropServices;
using MeshProxy.Core.Transport.Epoll;

namespace MeshProxy.Tests.Transport.Epoll;

/// <summary>The pool's loop-side cache: reuse on the loop without the shared queue, exact counters across threads.</summary>
public sealed class PinnedBlockMemoryPoolTests
{
    [Fact]
    public async Task RentReturn_OnTheLoop_GivesBackTheSameBlockFromTheLoopCache()
    {
        using var rig = new LoopPipeRig();

        var (sameArray, created, inUse, cached) = await rig.OnLoop(_ =>
        {
            IMemoryOwner<byte> first = rig.Pool.Rent();
            byte[] array = ArrayOf(first);
            first.Dispose();
            int cachedAfterReturn = rig.Pool.BlocksCachedByLoop;
            IMemoryOwner<byte> second = rig.Pool.Rent();
            bool same = ReferenceEquals(array, ArrayOf(second));
            int inUse = rig.Pool.BlocksInUse;
            second.Dispose();
            return (same, rig.Pool.BlocksCreated, inUse, cachedAfterReturn);
        });

        Assert.True(sameArray);
        Assert.Equal(1, created);
        Assert.Equal(1, inUse);
        Assert.Equal(1, cached);
        Assert.Equal(0, await rig.BlocksInUse());
    }

    [Fact]
    public async Task Return_OffTheLoop_GoesToTheSharedQueue_AndCountsStayExact()
    {
        using var rig = new LoopPipeRig();

        IMemoryOwner<byte> onLoop = await rig.OnLoop(_ => rig.Pool.Rent());
        Assert.Equal(1, rig.Pool.BlocksInUse);
        onLoop.Dispose(); // This thread is not the loop's.
        Assert.Equal(0, rig.Pool.BlocksInUse);
        Assert.Equal(0, await rig.OnLoop(_ => rig.Pool.BlocksCachedByLoop));

        IMemoryOwner<byte> offLoop = rig.Pool.Rent(); // From the shared queue: no new block.
        Assert.Equal(1, rig.Pool.BlocksCreated);
        Assert.Equal(1, rig.Pool.BlocksInUse);
        await rig.OnLoop(_ => offLoop.Dispose()); // Rented elsewhere, returned on the loop: cached there.
        Assert.Equal(0, await rig.BlocksInUse());
        Assert.Equal(1, await rig.OnLoop(_ => rig.Pool.BlocksCachedByLoop));
        Assert.Equal(1, rig.Pool.BlocksCreated);
    }

    [Fact]
    public async Task ReturnMoreThanTheCacheHolds_OnTheLoop_TheRestGoToTheSharedQueueAndAreReused()
    {
        const int blocks = PinnedBlockMemoryPool.LoopCacheSize * 3;
        using var rig = new LoopPipeRig();

        int cached = await rig.OnLoop(_ =>
        {
            IMemoryOwner<byte>[] owners = Enumerable.Range(0, blocks).Select(_ => rig.Pool.Rent()).ToArray();
            foreach (IMemoryOwner<byte> owner in owners)
            {
                owner.Dispose();
            }

            return rig.Pool.BlocksCachedByLoop;
        });
        Assert.Equal(PinnedBlockMemoryPool.LoopCacheSize, cached);
        Assert.Equal(0, await rig.BlocksInUse());

        var (distinct, inUse) = await rig.OnLoop(_ =>
        {
            IMemoryOwner<byte>[] owners = Enumerable.Range(0, blocks).Select(_ => rig.Pool.Rent()).ToArray();
            int distinct = owners.Select(ArrayOf).Distinct().Count();
            int inUse = rig.Pool.BlocksInUse;
            foreach (IMemoryOwner<byte> owner in owners)
            {
                owner.Dispose();
            }

            return (distinct, inUse);
        });

        Assert.Equal(blocks, distinct);
        Assert.Equal(blocks, inUse);
        Assert.Equal(blocks, rig.Pool.BlocksCreated);
        Assert.Equal(0, await rig.BlocksInUse());
    }

    [Fact]
    public void Attach_ASecondLoop_Throws()
    {
        using var rig = new LoopPipeRig();

        Assert.Throws<InvalidOperationException>(() => rig.Pool.Attach(rig.Loop));
    }

    private static byte[] ArrayOf(IMemoryOwner<byte> owner)
    {
        Assert.True(MemoryMarshal.TryGetArray<byte>(owner.Memory, out ArraySegment<byte> segment));
        return segment.Array!;
    }
}
