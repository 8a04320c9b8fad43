using MeshProxy.Hosting;

namespace MeshProxy.Tests.Hosting;

public sealed class StartupPagesTests
{
    private const string Smaps = """
        55f2281a3000-55f2281a4000 r--p 00000000 fe:00 11674041                   /opt/mp/meshproxy
        Size:                  4 kB
        Anonymous:             0 kB
        55f2281a4000-55f22893c000 r-xp 00021000 fe:00 11674041                   /opt/mp/meshproxy
        Size:               7776 kB
        Anonymous:             0 kB
        55f228e57000-55f229133000 r--p 00cd4000 fe:00 11674041                   /opt/mp/meshproxy
        Size:               2928 kB
        Anonymous:           240 kB
        55f229135000-55f229171000 rw-p 00fb1000 fe:00 11674041                   /opt/mp/meshproxy
        Size:                240 kB
        Anonymous:           240 kB
        55f229171000-55f229677000 rw-p 00000000 00:00 0
        Anonymous:          4936 kB
        7f26b31bd000-7f26b3313000 r-xp 00026000 fe:00 332096                     /usr/lib/x86_64-linux-gnu/libc.so.6
        Anonymous:             0 kB
        7f26b3400000-7f26b3401000 r--p 00000000 fe:00 99                         /other/opt/mp/meshproxy
        Anonymous:             0 kB
        7f26b3500000-7f26b3501000 ---p 00000000 fe:00 11674041                   /opt/mp/meshproxy
        Anonymous:             0 kB
        """;

    [Fact]
    public void Releasable_CleanReadOnlyMappingsOfThePath_Only()
    {
        var found = StartupPages.Releasable(Smaps, "/opt/mp/meshproxy");

        // Not: RELRO data with private pages, writable data, anonymous memory, other files, a path that only ends alike,
        // or a guard mapping.
        Assert.Equal([(0x55f2281a3000UL, 0x1000L), (0x55f2281a4000UL, 0x55f22893c000 - 0x55f2281a4000)], found);
    }

    [Fact]
    public async Task Release_OwnExecutable_ProcessKeepsRunningItsCode()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The test host (dotnet) drops its clean pages; they come back from the page cache as it runs on.
        var released = StartupPages.Release(Environment.ProcessPath!);

        Assert.True(released > 0);
        Assert.Equal(4, await Task.Run(() => 2 + 2));
    }
}
