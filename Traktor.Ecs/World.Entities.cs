namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>
    /// Creates an entity with the given component types, each set to its default value
    /// (no types: an empty entity). The non-generic form, for code that learns types at run time.
    /// </summary>
    /// <param name="types">Distinct component types.</param>
    /// <exception cref="EcsException">A component type is named twice.</exception>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)] // typeof(A), typeof(B) are types, not component values
    public Entity Create(params ReadOnlySpan<ComponentType> types)
    {
        if (iterationDepth > 0)
        {
            return DeferCreate(MaskOf(types), types);
        }

        if (types.IsEmpty)
        {
            return NewEntity(emptyArchetype ??= GetOrCreateArchetype(BitSet.Empty), out _, out _);
        }

        return NewDefaultEntity(GetOrCreateArchetype(MaskOf(types)));
    }

    private static BitSet MaskOf(ReadOnlySpan<ComponentType> types)
    {
        if (types.IsEmpty)
        {
            return BitSet.Empty;
        }

        SignatureIds.ThrowIfDuplicate(types);
        Span<int> ids = stackalloc int[types.Length];
        for (int i = 0; i < types.Length; i++)
        {
            ids[i] = types[i].Id;
        }

        return BitSet.From(ids);
    }

    /// <summary>
    /// Creates an entity with the given component types, each at its default value (Arch's
    /// <c>Create(ComponentType[])</c>). Exists so an array binds here, not to <c>Create&lt;T0&gt;(in T0)</c>
    /// as a single component whose value is the array.
    /// </summary>
    /// <param name="types">Distinct component types.</param>
    /// <exception cref="EcsException">A component type is named twice.</exception>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public Entity Create(ComponentType[] types) => Create(new ReadOnlySpan<ComponentType>(types));

    /// <summary>Creates an entity with the signature's component types, each at its default value.</summary>
    /// <param name="signature">Distinct component types (a <c>List&lt;ComponentType&gt;</c> converts implicitly).</param>
    /// <exception cref="EcsException">A component type is named twice.</exception>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public Entity Create(in Signature signature) => Create(signature.Components);

    /// <summary>
    /// Creates an entity with the set's component types, each at its default value. Unlike the span
    /// overload this allocates nothing once the archetype exists: build the set once and reuse it.
    /// </summary>
    /// <param name="set">The component types.</param>
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)] // not Create<ComponentSet>(in T0)
    public Entity Create(ComponentSet set)
    {
        if (iterationDepth > 0)
        {
            return DeferCreate(set.Mask, ReadOnlySpan<ComponentType>.Empty);
        }

        return NewDefaultEntity(GetOrCreateArchetype(set.Mask));
    }

    /// <summary>A new entity whose components are all default (rows are reused without clearing value types).</summary>
    private Entity NewDefaultEntity(Archetype archetype)
    {
        var entity = NewEntity(archetype, out int chunkIndex, out int row);
        var columns = archetype.ChunkArray[chunkIndex].Columns;
        var ops = archetype.ColumnOps;
        for (int c = 0; c < columns.Length; c++)
        {
            ops[c].Clear(columns[c], row);
        }

        return entity;
    }

    /// <summary>Destroys a live entity; its id is recycled with the next version.</summary>
    /// <param name="entity">A live entity.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    public void Destroy(Entity entity)
    {
        if (iterationDepth > 0)
        {
            DeferDestroy(entity);
            return;
        }

        ref var slot = ref AliveSlot(entity, "Destroy");
        var moved = slot.Archetype!.RemoveAt(slot.Chunk, slot.Row, ChangeVersion);
        if (moved.Version != 0) // Entity.Null: nothing moved
        {
            ref var movedSlot = ref slots[moved.Id];
            movedSlot.Chunk = slot.Chunk;
            movedSlot.Row = slot.Row;
        }

        slot.Archetype = null;
        slot.Version++;
        PushFreeId(entity.Id);
        Size--;
    }

    /// <summary>
    /// True when <paramref name="entity"/> refers to a live entity of this world. A handle from another
    /// world is not alive here (false, not an exception: this is the question, not an operation).
    /// </summary>
    /// <param name="entity">Any handle.</param>
    public bool IsAlive(Entity entity) =>
        WorldKeys.Matches(entity.WorldKey, Key) && (uint)entity.Id < (uint)slotCount && VersionMatches(slots[entity.Id].Version, entity.Version)
        && (slots[entity.Id].Archetype is not null || slots[entity.Id].Pending);

    /// <summary>True when the entity is alive and stored (not pending: see <see cref="IsAlive"/>).</summary>
    private bool IsStored(Entity entity) =>
        WorldKeys.Matches(entity.WorldKey, Key) && (uint)entity.Id < (uint)slotCount && VersionMatches(slots[entity.Id].Version, entity.Version) && slots[entity.Id].Archetype is not null;

    /// <summary>
    /// The version of a live entity's id slot, as Arch's <c>world.Version(entity)</c>: 1 for an id's first
    /// entity, one more for each entity that held the id before. For a hand-built handle
    /// (<c>new Entity(id, worldId)</c>) it is the version of the entity holding the id now.
    /// (The change version used for replication is <see cref="ChangeVersion"/>.)
    /// </summary>
    /// <param name="entity">A live entity.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    /// <exception cref="WrongWorldException">The handle belongs to another world.</exception>
    public int Version(Entity entity) => AliveSlot(entity, "Version").Version;

    /// <summary>The archetype of a live entity.</summary>
    /// <param name="entity">A live entity.</param>
    public Archetype GetArchetype(Entity entity) => AliveSlot(entity, "GetArchetype").Archetype!;
}
