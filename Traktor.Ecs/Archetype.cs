namespace Traktor.Ecs;

/// <summary>
/// All entities that have exactly the same set of components, stored in dense chunks. Only the last
/// chunk may be partly full: removal moves the archetype's last entity into the hole.
/// </summary>
/// <remarks>
/// The first chunk holds ~16 KiB (<see cref="World.BaseChunkSize"/>), as in Arch; each further chunk doubles up to ~256 KiB. Small
/// archetypes stay small, while large ones pay the per-chunk cost (a few cache misses on chunk
/// metadata, and a restart of the hardware prefetcher) rarely enough for queries to run at the speed
/// of a plain array loop (docs/benchmarks.md).
/// </remarks>
public sealed class Archetype
{
    /// <summary>The size of an archetype's first chunk, unless the world was created with another (<see cref="World.BaseChunkSize"/>).</summary>
    public const int MinChunkBytes = 16 * 1024;

    /// <summary>The size that chunk growth stops at (or the first chunk's size, if that is larger).</summary>
    public const int MaxChunkBytes = 256 * 1024;

    private readonly int[] columnByComponentId;
    private readonly ColumnOps[] columnOps;
    // Indexed by component id (ids are dense), so an add or remove finds its target with one array read.
    private Archetype?[] addEdges = [];
    private Archetype?[] removeEdges = [];
    private Chunk[] chunks;

    internal Archetype(World world, BitSet mask)
    {
        World = world;
        Mask = mask;
        Types = mask.Bits().Select(ComponentRegistry.Get).ToArray();
        int maxId = Types.Length == 0 ? -1 : Types[^1].Id;
        columnByComponentId = new int[maxId + 1];
        Array.Fill(columnByComponentId, -1);
        columnOps = new ColumnOps[Types.Length];
        int entityBytes = System.Runtime.CompilerServices.Unsafe.SizeOf<Entity>();
        for (int i = 0; i < Types.Length; i++)
        {
            columnByComponentId[Types[i].Id] = i;
            columnOps[i] = Types[i].Columns;
            entityBytes += Types[i].ByteSize;
        }

        MinChunkCapacity = Math.Max(1, Math.Max(world.BaseChunkEntityCount, world.BaseChunkSize / entityBytes));
        MaxChunkCapacity = Math.Max(MinChunkCapacity, MaxChunkBytes / entityBytes);
        chunks = new Chunk[1];
    }

    /// <summary>The world that owns this archetype.</summary>
    public World World { get; }

    /// <summary>The component ids of this archetype.</summary>
    public BitSet Mask { get; }

    /// <summary>The component types, ordered by id; column <c>i</c> of each chunk holds <c>Types[i]</c>.</summary>
    public ComponentType[] Types { get; }

    /// <summary>How many entities fit in the first chunk.</summary>
    public int MinChunkCapacity { get; }

    /// <summary>How many entities fit in the largest chunk.</summary>
    public int MaxChunkCapacity { get; }

    /// <summary>
    /// The number of chunks in use: those holding entities, and the first chunk even when it is empty
    /// (0 only before the first entity arrives).
    /// </summary>
    public int ChunkCount { get; private set; }

    /// <summary>The number of live entities in this archetype.</summary>
    public int EntityCount { get; private set; }

    /// <summary>The chunk at <paramref name="index"/> (less than <see cref="ChunkCount"/>), by reference.</summary>
    /// <param name="index">A chunk index.</param>
    public ref Chunk GetChunk(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)ChunkCount, nameof(index));
        return ref chunks[index];
    }

    /// <summary>The chunks holding entities (exactly <see cref="ChunkCount"/>), by reference through the span.</summary>
    public Span<Chunk> Chunks => chunks.AsSpan(0, ChunkCount);

    /// <summary>How many entities fit in the first chunk (Arch's name for <see cref="MinChunkCapacity"/>).</summary>
    public int EntitiesPerChunk => MinChunkCapacity;

    /// <summary>The number of chunk slots allocated (in use or kept for reuse).</summary>
    public int ChunkCapacity => chunks.Length;

    /// <summary>How many entities fit in the chunks allocated so far.</summary>
    public int Capacity
    {
        get
        {
            int total = 0;
            foreach (ref readonly var chunk in chunks.AsSpan())
            {
                total += chunk.IsAllocated ? chunk.Capacity : 0;
            }

            return total;
        }
    }

    /// <summary>
    /// Arch 2.x's <c>Archetype.Count</c>: the index of the last chunk in use, so <see cref="ChunkCount"/> - 1,
    /// and 0 when the archetype is empty. Not a count of entities: that is <see cref="EntityCount"/>.
    /// </summary>
    public int Count => Math.Max(ChunkCount - 1, 0);

    /// <summary>Arch 2.x's name for <see cref="Capacity"/>: how many entities fit in the chunks allocated so far.</summary>
    public int EntityCapacity => Capacity;

    /// <summary>The component types as a <see cref="Traktor.Ecs.Signature"/>.</summary>
    public Signature Signature => new(Mask);

    /// <summary>Arch's name for <see cref="Mask"/>.</summary>
    public BitSet BitSet => Mask;

    internal Chunk[] ChunkArray => chunks;

    /// <summary>The typed operations of each column (index = column).</summary>
    internal ColumnOps[] ColumnOps => columnOps;

    /// <summary>True when this archetype's entities have a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A component type.</typeparam>
    public bool Has<T>() => ColumnOf(Component<T>.Id) >= 0;

    /// <summary>True when this archetype's entities have the component type.</summary>
    /// <param name="type">A component type.</param>
    public bool Has(ComponentType type) => ColumnOf(type.Id) >= 0;

    /// <summary>Enumerates the chunks in use, by reference: <c>foreach (ref var chunk in archetype)</c>.</summary>
    public Span<Chunk>.Enumerator GetEnumerator() => Chunks.GetEnumerator();

    /// <summary>
    /// Allocates chunks holding exactly <paramref name="amount"/> more entities, on top of the room the
    /// archetype already has (Arch's <c>Reserve</c>): <see cref="Capacity"/> grows by exactly that much.
    /// </summary>
    /// <param name="amount">The number of entity slots to add.</param>
    public void Reserve(int amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        int next = 0;
        while (next < chunks.Length && chunks[next].IsAllocated)
        {
            next++;
        }

        AllocateChunks(next, amount);
    }

    /// <summary>Allocates chunks until <paramref name="additional"/> more entities fit without allocating.</summary>
    /// <param name="additional">The number of entities to make room for.</param>
    public void EnsureCapacity(int additional)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(additional);
        int free = 0;
        int last = Math.Max(0, ChunkCount - 1);
        for (int c = last; c < chunks.Length && chunks[c].IsAllocated; c++)
        {
            free += chunks[c].Capacity - (c < ChunkCount ? chunks[c].Count : 0);
        }

        int next = last;
        while (next < chunks.Length && chunks[next].IsAllocated)
        {
            next++;
        }

        AllocateChunks(next, additional - free);
    }

    /// <summary>Allocates chunks from slot <paramref name="next"/> on, holding exactly <paramref name="amount"/> entities in all.</summary>
    private void AllocateChunks(int next, int amount)
    {
        while (amount > 0)
        {
            if (next == chunks.Length)
            {
                Array.Resize(ref chunks, chunks.Length * 2);
            }

            int grown = next == 0 ? MinChunkCapacity : Math.Min(MaxChunkCapacity, chunks[next - 1].Capacity * 2);
            int capacity = Math.Min(grown, amount);
            chunks[next++] = new Chunk(this, capacity);
            amount -= capacity;
        }
    }

    /// <summary>Releases chunks that hold no entity (kept for reuse until now) and shrinks the chunk table.</summary>
    public void TrimExcess()
    {
        for (int c = ChunkCount; c < chunks.Length; c++)
        {
            chunks[c] = default;
        }

        Array.Resize(ref chunks, Math.Max(1, ChunkCount));
    }

    /// <summary>The column of a component id in every chunk of this archetype, or -1.</summary>
    /// <param name="componentId">A component id.</param>
    public int ColumnOf(int componentId) =>
        (uint)componentId < (uint)columnByComponentId.Length ? columnByComponentId[componentId] : -1;

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", Types.Select(t => t.Type.Name)) + "]";

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal Archetype? CachedAddEdge(int componentId) =>
        (uint)componentId < (uint)addEdges.Length ? addEdges[componentId] : null;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal Archetype? CachedRemoveEdge(int componentId) =>
        (uint)componentId < (uint)removeEdges.Length ? removeEdges[componentId] : null;

    internal void CacheAddEdge(int componentId, Archetype target) => SetEdge(ref addEdges, componentId, target);

    internal void CacheRemoveEdge(int componentId, Archetype target) => SetEdge(ref removeEdges, componentId, target);

    internal void ForgetEdgesTo(HashSet<Archetype> gone)
    {
        foreach (var edges in new[] { addEdges, removeEdges })
        {
            for (int id = 0; id < edges.Length; id++)
            {
                if (edges[id] is { } target && gone.Contains(target))
                {
                    edges[id] = null;
                }
            }
        }
    }

    private static void SetEdge(ref Archetype?[] edges, int componentId, Archetype target)
    {
        if (componentId >= edges.Length)
        {
            Array.Resize(ref edges, Math.Max(componentId + 1, Math.Max(8, edges.Length * 2)));
        }

        edges[componentId] = target;
    }

    /// <summary>Appends an entity at the end; its component values are left for the caller to write.</summary>
    internal (int Chunk, int Row) Allocate(Entity entity, uint version)
    {
        if (ChunkCount == 0 || chunks[ChunkCount - 1].Count == chunks[ChunkCount - 1].Capacity)
        {
            if (ChunkCount == chunks.Length)
            {
                Array.Resize(ref chunks, chunks.Length * 2);
            }

            if (!chunks[ChunkCount].IsAllocated)
            {
                int capacity = ChunkCount == 0
                    ? MinChunkCapacity
                    : Math.Min(MaxChunkCapacity, chunks[ChunkCount - 1].Capacity * 2);
                chunks[ChunkCount] = new Chunk(this, capacity);
            }

            ChunkCount++;
        }

        int chunkIndex = ChunkCount - 1;
        ref var chunk = ref chunks[chunkIndex];
        int row = chunk.Count;
        chunk.EntityArray[row] = entity;
        chunk.Count = row + 1;
        chunk.MarkAllChanged(version);
        EntityCount++;
        return (chunkIndex, row);
    }

    /// <summary>
    /// Removes the entity at (chunk, row) by moving the archetype's last entity into its place.
    /// Returns the entity that moved (its location is now (chunk, row)), or <see cref="Entity.Null"/>.
    /// </summary>
    internal Entity RemoveAt(int chunkIndex, int row, uint version)
    {
        int lastChunkIndex = ChunkCount - 1;
        ref var lastChunk = ref chunks[lastChunkIndex];
        int lastRow = lastChunk.Count - 1;
        Entity moved = default; // Entity.Null
        if (chunkIndex != lastChunkIndex || row != lastRow)
        {
            ref var hole = ref chunks[chunkIndex];
            moved = lastChunk.EntityArray[lastRow];
            hole.EntityArray[row] = moved;
            for (int c = 0; c < Types.Length; c++)
            {
                columnOps[c].Copy(lastChunk.Columns[c], lastRow, hole.Columns[c], row);
            }

            hole.MarkAllChanged(version);
        }

        ClearRow(ref lastChunk, lastRow);
        lastChunk.Count = lastRow;
        // The first chunk stays in use even when empty (as in Arch), so an archetype that had entities
        // keeps ChunkCount >= 1 and the next entity lands without a chunk switch.
        if (lastRow == 0 && lastChunkIndex > 0)
        {
            ChunkCount--;
        }

        EntityCount--;
        return moved;
    }

    private void ClearRow(ref Chunk chunk, int row)
    {
        chunk.EntityArray[row] = default;
        for (int c = 0; c < Types.Length; c++)
        {
            // Value types without references need no clearing; the slot is simply reused.
            if (Types[c].ContainsReferences)
            {
                columnOps[c].Clear(chunk.Columns[c], row);
            }
        }
    }
}
