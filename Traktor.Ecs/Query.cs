namespace Traktor.Ecs;

/// <summary>
/// A cached query: the archetypes of one world that match a <see cref="QueryDescription"/>. The world
/// keeps it up to date as archetypes appear. Enumerate it for chunks:
/// <c>foreach (ref var chunk in world.Query(in description)) { … }</c>.
/// </summary>
public sealed class Query
{
    private Archetype[] archetypes = new Archetype[4];

    internal Query(World world, QueryDescription description)
    {
        World = world;
        Description = description;
    }

    /// <summary>The world this query runs on.</summary>
    public World World { get; }

    /// <summary>What this query matches.</summary>
    public QueryDescription Description { get; }

    /// <summary>The number of matching archetypes.</summary>
    public int ArchetypeCount { get; private set; }

    internal ReadOnlySpan<Archetype> Archetypes => archetypes.AsSpan(0, ArchetypeCount);

    /// <summary>The matching archetypes that hold entities (Arch's <c>GetArchetypeIterator</c>).</summary>
    public IEnumerable<Archetype> GetArchetypeIterator()
    {
        for (int i = 0; i < ArchetypeCount; i++)
        {
            if (archetypes[i].EntityCount > 0)
            {
                yield return archetypes[i];
            }
        }
    }

    /// <summary>The number of live entities this query matches.</summary>
    public int CountEntities()
    {
        int total = 0;
        foreach (var archetype in Archetypes)
        {
            total += archetype.EntityCount;
        }

        return total;
    }

    /// <summary>Arch's name for <see cref="CountEntities"/>: the number of live entities this query matches.</summary>
    /// <returns>The sum of the matching archetypes' entity counts.</returns>
    public int Count() => CountEntities();

    /// <summary>Enumerates every non-empty chunk of every matching archetype, by reference.</summary>
    public ChunkEnumerator GetEnumerator() => new(this, -1, 0);

    /// <summary>Arch's chunk iterator: <c>foreach (ref var chunk in query.GetChunkIterator())</c> walks the same chunks as the query itself.</summary>
    /// <returns>An enumerable over the non-empty matching chunks.</returns>
    public QueryChunkIterator GetChunkIterator() => new(this);

    /// <summary>
    /// Enumerates only the chunks whose <typeparamref name="T"/> column was written after world version
    /// <paramref name="version"/> (see <see cref="World.ChangeVersion"/>).
    /// </summary>
    /// <typeparam name="T">The component whose change version is tested.</typeparam>
    /// <param name="version">The version the caller last looked at.</param>
    public ChangedChunks ChangedSince<T>(uint version) => new(this, Component<T>.Id, version);

    internal void Forget(HashSet<Archetype> gone)
    {
        int kept = 0;
        for (int i = 0; i < ArchetypeCount; i++)
        {
            if (!gone.Contains(archetypes[i]))
            {
                archetypes[kept++] = archetypes[i];
            }
        }

        Array.Clear(archetypes, kept, ArchetypeCount - kept);
        ArchetypeCount = kept;
    }

    internal void TryAdd(Archetype archetype)
    {
        if (!Description.Matches(archetype.Mask))
        {
            return;
        }

        if (ArchetypeCount == archetypes.Length)
        {
            Array.Resize(ref archetypes, archetypes.Length * 2);
        }

        archetypes[ArchetypeCount++] = archetype;
    }
}

/// <summary>The chunks of a query (Arch's <c>Query.GetChunkIterator()</c>); enumerate with <c>foreach (ref var chunk in …)</c>.</summary>
public readonly ref struct QueryChunkIterator
{
    private readonly Query query;

    internal QueryChunkIterator(Query query) => this.query = query;

    /// <summary>Starts the enumeration.</summary>
    /// <returns>The query's chunk enumerator.</returns>
    public ChunkEnumerator GetEnumerator() => query.GetEnumerator();
}

/// <summary>The chunks of a query filtered by a change version; enumerate with <c>foreach (ref var chunk in …)</c>.</summary>
public readonly ref struct ChangedChunks
{
    private readonly Query query;
    private readonly int componentId;
    private readonly uint version;

    internal ChangedChunks(Query query, int componentId, uint version)
    {
        this.query = query;
        this.componentId = componentId;
        this.version = version;
    }

    /// <summary>Starts the enumeration.</summary>
    public ChunkEnumerator GetEnumerator() => new(query, componentId, version);
}

/// <summary>
/// Walks the non-empty chunks of a query. While it is active the world refuses structural changes
/// (they would move entities under it); <c>foreach</c> disposes it, which lifts that guard.
/// </summary>
public ref struct ChunkEnumerator
{
    private readonly ReadOnlySpan<Archetype> archetypes;
    private readonly World world;
    private readonly int changedComponentId;
    private readonly uint sinceVersion;
    private int archetypeIndex;
    private int chunkIndex;
    private bool disposed;

    internal ChunkEnumerator(Query query, int changedComponentId, uint sinceVersion)
    {
        archetypes = query.Archetypes;
        world = query.World;
        this.changedComponentId = changedComponentId;
        this.sinceVersion = sinceVersion;
        archetypeIndex = 0;
        chunkIndex = -1;
        disposed = false;
        world.EnterIteration();
    }

    /// <summary>The current chunk, by reference.</summary>
    public readonly ref Chunk Current => ref archetypes[archetypeIndex].ChunkArray[chunkIndex];

    /// <summary>Advances to the next chunk that passes the filter.</summary>
    public bool MoveNext()
    {
        while (archetypeIndex < archetypes.Length)
        {
            var archetype = archetypes[archetypeIndex];
            while (++chunkIndex < archetype.ChunkCount)
            {
                if (archetype.ChunkArray[chunkIndex].Count == 0)
                {
                    continue; // an archetype's first chunk stays in use when empty
                }

                if (changedComponentId < 0)
                {
                    return true;
                }

                int column = archetype.ColumnOf(changedComponentId);
                if (column >= 0 && archetype.ChunkArray[chunkIndex].ColumnVersion(column) > sinceVersion)
                {
                    return true;
                }
            }

            archetypeIndex++;
            chunkIndex = -1;
        }

        return false;
    }

    /// <summary>Ends the enumeration and re-allows structural changes.</summary>
    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            world.ExitIteration();
        }
    }
}
