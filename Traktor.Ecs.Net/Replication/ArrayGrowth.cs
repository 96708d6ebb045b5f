namespace Traktor.Ecs.Net.Replication;

/// <summary>Growth of the per-slot arrays that replication keeps in properties (which cannot be passed by ref).</summary>
internal static class ArrayGrowth
{
    /// <summary>A copy of <paramref name="array"/> resized to <paramref name="size"/>, contents kept.</summary>
    public static T[] Resized<T>(T[] array, int size)
    {
        Array.Resize(ref array, size);
        return array;
    }
}
