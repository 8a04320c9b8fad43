using MeshProxy.Hosting;

namespace MeshProxy.Tests.Hosting;

/// <summary>The no-GC window is process-wide: these run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideGcMode
{
    public const string Name = "process-wide GC mode";
}

[Collection(ProcessWideGcMode.Name)]
public sealed class InitialFetchGcWindowTests
{
    [Fact]
    public void Open_AllocationWithinBudget_NoCollectionUntilClosed()
    {
        Assert.True(InitialFetchGcWindow.TryOpen());
        try
        {
            Assert.True(InitialFetchGcWindow.IsOpen);
            var gen0 = GC.CollectionCount(0);
            var kept = new List<byte[]>();
            for (var i = 0; i < 4096; i++)
            {
                kept.Add(new byte[1024]); // 4 MiB in small objects: 16 gen0 budgets of the shipped binary
            }

            Assert.Equal(gen0, GC.CollectionCount(0));
            Assert.True(InitialFetchGcWindow.IsOpen);
            GC.KeepAlive(kept);
        }
        finally
        {
            InitialFetchGcWindow.Close();
        }

        Assert.False(InitialFetchGcWindow.IsOpen);
        InitialFetchGcWindow.Close(); // a second close (the deadline after the compaction) is harmless
    }

    [Fact]
    public void Open_AllocationBeyondBudget_EndsByItselfAndCloseIsHarmless()
    {
        Assert.True(InitialFetchGcWindow.TryOpen());
        var gen0 = GC.CollectionCount(0);
        for (var i = 0; i < (InitialFetchGcWindow.Budget / 1024) + 8192; i++)
        {
            GC.KeepAlive(new byte[1024]);
        }

        Assert.False(InitialFetchGcWindow.IsOpen);
        Assert.True(GC.CollectionCount(0) > gen0);
        InitialFetchGcWindow.Close();
    }
}
