namespace MeshProxy.Core.Threading;

/// <summary>
/// A capped per-thread stack of reusable objects of one type: where the pooled async builders keep their finished
/// state-machine boxes. Thread-static per closed type, so taking and returning need no lock; an object goes back to
/// the thread that finished with it (for the data path, its event loop).
/// </summary>
internal static class PerThreadFreeList<T>
    where T : class
{
    [ThreadStatic]
    private static T?[]? t_items;

    [ThreadStatic]
    private static int t_count;

    /// <summary>The most recently returned object, or null when this thread has none.</summary>
    public static T? TryTake()
    {
        var items = t_items;
        if (items is null || t_count == 0)
        {
            return null;
        }

        var index = --t_count;
        var item = items[index];
        items[index] = null;
        return item;
    }

    /// <summary>Keeps <paramref name="item"/> unless this thread already holds <paramref name="capacity"/> of them.</summary>
    public static void Return(T item, int capacity)
    {
        var items = t_items ??= new T?[capacity];
        if (t_count < items.Length)
        {
            items[t_count++] = item;
        }
    }
}
