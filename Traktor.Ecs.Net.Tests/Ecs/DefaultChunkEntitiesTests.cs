namespace Traktor.Ecs.Net.Tests.Ecs;

/// <summary>
/// <c>default(ChunkEntities)</c> (a field never assigned, an array element, <c>default</c> returned by a helper) is an empty
/// set of entities on every path: it never throws and never hands out a null array.
/// </summary>
public class DefaultChunkEntitiesTests
{
    [Fact]
    public void Default_chunk_entities_are_empty_on_every_path()
    {
        ChunkEntities none = default;

        Assert.Equal(0, none.Length);
        Assert.Empty((IReadOnlyCollection<Entity>)none);
        var readOnly = (IReadOnlyCollection<Entity>)none;
        Assert.True(readOnly.Count == 0);
        Assert.Empty(none.ToArray());
        Assert.True(none.AsSpan().IsEmpty);
        ReadOnlySpan<Entity> span = none;
        Assert.True(span.IsEmpty);
        Entity[] array = none;                                        // Arch code reading chunk.Entities as an array
        Assert.NotNull(array);
        Assert.Empty(array);
        Assert.False(none.Contains(default));

        int visited = 0;
        foreach (var _ in none)
            visited++;
        foreach (var _ in (IEnumerable<Entity>)none)                  // LINQ / interface path
            visited++;
        foreach (var _ in (System.Collections.IEnumerable)none)
            visited++;
        Assert.Equal(0, visited);
        Assert.False(none.Any());
        Assert.Throws<ArgumentOutOfRangeException>(() => none[0]);   // no row is live: the typed error, never a null dereference
    }
}
