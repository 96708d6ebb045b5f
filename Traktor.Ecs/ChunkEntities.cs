using System.Collections;

namespace Traktor.Ecs;

/// <summary>
/// A chunk's live entities, <see cref="Chunk.Count"/> of them (<see cref="Chunk.Entities"/>). It stands where Arch has an
/// <c>Entity[]</c>, so Arch code compiles: it converts to <c>Entity[]</c> (the whole storage array, as Arch's, whose rows from
/// <see cref="Chunk.Count"/> on hold no live entity) and to <see cref="ReadOnlySpan{T}"/>, works with LINQ and can be
/// captured by a lambda. Its own indexer, <see cref="Length"/> and enumerator cover only the live rows. <c>default</c> is empty
/// (<see cref="Length"/> 0, an empty span and an empty array).
/// </summary>
public readonly struct ChunkEntities : IReadOnlyList<Entity>
{
    private readonly Entity[] entities;
    private readonly int count;

    internal ChunkEntities(Entity[] entities, int count)
    {
        this.entities = entities;
        this.count = count;
    }

    // default(ChunkEntities) has no array: it reads as empty (an empty array, never null) on every path.
    private Entity[] Storage => entities ?? [];

    /// <summary>The number of live entities (the chunk's <see cref="Chunk.Count"/>; Arch's array length is the capacity).</summary>
    public int Length => count;

    /// <inheritdoc/>
    int IReadOnlyCollection<Entity>.Count => count;

    /// <summary>The entity at a live row.</summary>
    /// <param name="index">A row below <see cref="Length"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a live row.</exception>
    public Entity this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)count, nameof(index));
            return Storage[index];
        }
    }

    /// <summary>The live entities as a span.</summary>
    /// <returns>Exactly <see cref="Length"/> entities.</returns>
    public ReadOnlySpan<Entity> AsSpan() => new(Storage, 0, count);

    /// <summary>A copy of the live entities.</summary>
    /// <returns>A new array of <see cref="Length"/> entities.</returns>
    public Entity[] ToArray() => AsSpan().ToArray();

    /// <summary>True when <paramref name="entity"/> is one of the live entities.</summary>
    /// <param name="entity">A handle.</param>
    public bool Contains(Entity entity) => AsSpan().Contains(entity);

    /// <summary>Enumerates the live entities, first row first, without allocating.</summary>
    public ReadOnlySpan<Entity>.Enumerator GetEnumerator() => AsSpan().GetEnumerator();

    /// <inheritdoc/>
    IEnumerator<Entity> IEnumerable<Entity>.GetEnumerator() => Storage.Take(count).GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<Entity>)this).GetEnumerator();

    /// <summary>The live entities as a span.</summary>
    /// <param name="entities">The chunk's entities.</param>
    public static implicit operator ReadOnlySpan<Entity>(ChunkEntities entities) => entities.AsSpan();

    /// <summary>
    /// The chunk's whole storage array, as Arch's <c>chunk.Entities</c> is: its length is the chunk's capacity and only the
    /// first <see cref="Chunk.Count"/> rows are live. Writing a handle into it corrupts the world's bookkeeping (as in Arch).
    /// </summary>
    /// <param name="entities">The chunk's entities.</param>
    public static implicit operator Entity[](ChunkEntities entities) => entities.Storage;
}
