using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>How many entities fit in the chunks allocated so far, over all archetypes.</summary>
    public int Capacity
    {
        get
        {
            int total = 0;
            foreach (var archetype in archetypes)
            {
                total += archetype.Capacity;
            }

            return total;
        }
    }

    /// <summary>
    /// Enumerates the archetypes by reference, as Arch's <c>foreach (ref var archetype in world)</c>. The
    /// references point into a copy of the list, so assigning through one does not change the world.
    /// </summary>
    public Span<Archetype>.Enumerator GetEnumerator()
    {
        if (archetypeSnapshot.Length != archetypes.Count)
        {
            archetypeSnapshot = new Archetype[archetypes.Count];
        }

        archetypes.CopyTo(archetypeSnapshot);
        return archetypeSnapshot.AsSpan().GetEnumerator();
    }

    /// <summary>A reference to a live entity, safe to hold (Arch's <c>world.Reference(entity)</c>).</summary>
    /// <param name="entity">A live entity.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    public EntityReference Reference(Entity entity)
    {
        ref var slot = ref AliveSlot(entity, "Reference");
        return new EntityReference(Entity.Issued(entity.Id, Key, slot.Version)); // a hand-built handle gets the current version
    }

    /// <summary>The archetype holding exactly the given component types, if one exists in this world.</summary>
    /// <param name="signature">The component types (an array converts implicitly).</param>
    /// <param name="archetype">The archetype, when found.</param>
    /// <returns>True when found.</returns>
    public bool TryGetArchetype(in Signature signature, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Archetype? archetype) =>
        archetypesByMask.TryGetValue(signature.Mask, out archetype);

    /// <summary>Allocates room for <paramref name="amount"/> more entities of the given component types.</summary>
    /// <param name="signature">Distinct component types.</param>
    /// <param name="amount">The number of entities about to be created.</param>
    /// <returns>The archetype of those component types (as Arch's <c>EnsureCapacity</c> returns it).</returns>
    public Archetype EnsureCapacity(in Signature signature, int amount)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var archetype = GetOrCreateArchetype(signature.Mask);
        archetype.EnsureCapacity(amount);
        return archetype;
    }

    /// <summary>
    /// Creates <paramref name="amount"/> entities with the signature's component types, each at its default value,
    /// and writes their handles to the start of <paramref name="createdEntities"/> (Arch's non-generic bulk create).
    /// </summary>
    /// <param name="createdEntities">Receives the new handles; at least <paramref name="amount"/> long.</param>
    /// <param name="signature">Distinct component types (an array of <see cref="ComponentType"/> converts implicitly).</param>
    /// <param name="amount">How many entities to create.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="amount"/> is negative or longer than the span.</exception>
    /// <exception cref="EcsException">A component type is named twice.</exception>
    [OverloadResolutionPriority(1)] // an Entity[] converts to the span here, not Create<Entity[], Signature, int>(in …)
    public void Create(Span<Entity> createdEntities, in Signature signature, int amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amount, createdEntities.Length);
        if (iterationDepth == 0)
        {
            EnsureCapacity(in signature, amount);
        }

        for (int i = 0; i < amount; i++)
        {
            createdEntities[i] = Create(in signature);
        }
    }

    /// <summary>
    /// Allocates chunks for exactly <paramref name="amount"/> more entities of the given component types,
    /// on top of the room already there (Arch's <c>Reserve</c>: <see cref="Capacity"/> grows by exactly that).
    /// </summary>
    /// <param name="signature">Distinct component types.</param>
    /// <param name="amount">The number of entity slots to add.</param>
    public void Reserve(in Signature signature, int amount)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        GetOrCreateArchetype(signature.Mask).Reserve(amount);
    }

    /// <summary>
    /// Releases memory not in use: empty archetypes are removed (queries and cached edges forget them)
    /// and archetypes drop the chunks they kept for reuse.
    /// </summary>
    /// <exception cref="StructuralChangeDuringQueryException">A query is iterating.</exception>
    public void TrimExcess()
    {
        ThrowIfIterating(Entity.Null, "TrimExcess");
        var removed = new List<Archetype>();
        foreach (var archetype in archetypes)
        {
            if (archetype.EntityCount == 0)
            {
                removed.Add(archetype);
            }
            else
            {
                archetype.TrimExcess();
            }
        }

        RemoveArchetypes(removed);
    }

    /// <summary>
    /// Destroys every entity and removes every archetype, so <see cref="Size"/> and <see cref="Capacity"/>
    /// become 0. Handles issued before stay dead: their slots move on to the next version. Resources stay.
    /// </summary>
    /// <exception cref="StructuralChangeDuringQueryException">A query is iterating.</exception>
    public void Clear()
    {
        ThrowIfIterating(Entity.Null, "Clear");
        for (int id = 0; id < slotCount; id++)
        {
            ref var slot = ref slots[id];
            if (slot.Archetype is not null)
            {
                slot.Archetype = null;
                slot.Version++;
                PushFreeId(id);
            }
        }

        Size = 0;
        RemoveArchetypes([.. archetypes]);
    }

    /// <summary>Appends the live entities matching <paramref name="description"/> to <paramref name="entities"/>.</summary>
    /// <param name="description">What to match.</param>
    /// <param name="entities">The list to append to.</param>
    public void GetEntities(in QueryDescription description, List<Entity> entities)
    {
        foreach (var archetype in Query(in description).Archetypes)
        {
            for (int c = 0; c < archetype.ChunkCount; c++)
            {
                entities.AddRange(archetype.ChunkArray[c].Entities.AsSpan());
            }
        }
    }

    /// <summary>
    /// Appends the live entities matching <paramref name="description"/> to any list (Arch's <c>IList&lt;Entity&gt;</c>
    /// overload). An <c>Entity[]</c> cannot grow, so it is filled from index 0 as the span overload does.
    /// </summary>
    /// <param name="description">What to match.</param>
    /// <param name="entities">The list to append to.</param>
    /// <exception cref="ArgumentException"><paramref name="entities"/> is an array too short for the matches.</exception>
    public void GetEntities(in QueryDescription description, IList<Entity> entities)
    {
        ArgumentNullException.ThrowIfNull(entities);
        if (entities is Entity[] array)
        {
            GetEntities(in description, array.AsSpan());
            return;
        }

        foreach (var archetype in Query(in description).Archetypes)
        {
            for (int c = 0; c < archetype.ChunkCount; c++)
            {
                foreach (var entity in archetype.ChunkArray[c].Entities)
                {
                    entities.Add(entity);
                }
            }
        }
    }

    /// <summary>
    /// Copies the live entities matching <paramref name="description"/> into <paramref name="entities"/>, from index
    /// <paramref name="start"/> on (Arch's <c>GetEntities(in description, span, start)</c>).
    /// </summary>
    /// <param name="description">What to match.</param>
    /// <param name="entities">At least <paramref name="start"/> + <see cref="CountEntities"/> items long.</param>
    /// <param name="start">The index of the first item written.</param>
    /// <returns>The number of entities written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative or past the span's end.</exception>
    /// <exception cref="ArgumentException"><paramref name="entities"/> is too short.</exception>
    public int GetEntities(in QueryDescription description, Span<Entity> entities, int start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, entities.Length);
        entities = entities[start..];
        int written = 0;
        foreach (var archetype in Query(in description).Archetypes)
        {
            for (int c = 0; c < archetype.ChunkCount; c++)
            {
                var chunk = archetype.ChunkArray[c].Entities.AsSpan();
                if (written + chunk.Length > entities.Length)
                {
                    throw new ArgumentException($"The span holds {entities.Length} entities; the query matches more.", nameof(entities));
                }

                chunk.CopyTo(entities[written..]);
                written += chunk.Length;
            }
        }

        return written;
    }

    /// <summary>
    /// The entity's <typeparamref name="T"/> by reference, or a null reference when it has none
    /// (test with <c>exists</c>, never dereference when false). Counts as a write when found.
    /// </summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="exists">True when the entity has a <typeparamref name="T"/>.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    public ref T TryGetRef<T>(Entity entity, out bool exists)
    {
        ref var slot = ref AliveSlot(entity, "TryGetRef", typeof(T));
        int column = slot.Archetype!.ColumnOf(Component<T>.Id);
        exists = column >= 0;
        if (!exists)
        {
            return ref Unsafe.NullRef<T>();
        }

        ref var chunk = ref slot.Archetype.ChunkArray[slot.Chunk];
        chunk.MarkChanged(column, ChangeVersion);
        return ref chunk.ElementAt<T>(column, slot.Row);
    }

    /// <summary>The component types of a live entity.</summary>
    /// <param name="entity">A live entity.</param>
    public ComponentType[] GetComponentTypes(Entity entity) => (ComponentType[])AliveSlot(entity, "GetComponentTypes").Archetype!.Types.Clone();

    /// <summary>The signature (component set) of a live entity.</summary>
    /// <param name="entity">A live entity.</param>
    public Signature GetSignature(Entity entity) => AliveSlot(entity, "GetSignature").Archetype!.Signature;

    /// <summary>Copies of every component of a live entity, boxed, in the order of its archetype's types.</summary>
    /// <param name="entity">A live entity.</param>
    public object?[] GetAllComponents(Entity entity)
    {
        ref var slot = ref AliveSlot(entity, "GetAllComponents");
        var columns = slot.Archetype!.ChunkArray[slot.Chunk].Columns;
        var values = new object?[columns.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            values[c] = columns[c].GetValue(slot.Row);
        }

        return values;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushFreeId(int id)
    {
        if (freeCount == freeIds.Length)
        {
            GrowFreeIds();
        }

        freeIds[(freeHead + freeCount) & (freeIds.Length - 1)] = id;
        freeCount++;
    }

    /// <summary>Doubles the full ring of free ids, unwrapping it so the oldest id is first again.</summary>
    private void GrowFreeIds()
    {
        var grown = new int[freeIds.Length * 2];
        int tail = freeIds.Length - freeHead;
        Array.Copy(freeIds, freeHead, grown, 0, tail);
        Array.Copy(freeIds, 0, grown, tail, freeHead);
        freeIds = grown;
        freeHead = 0;
    }

    /// <summary>Forgets empty archetypes everywhere they are referenced (maps, queries, edges, caches).</summary>
    private void RemoveArchetypes(List<Archetype> removed)
    {
        if (removed.Count == 0)
        {
            return;
        }

        var gone = new HashSet<Archetype>(removed);
        foreach (var archetype in removed)
        {
            archetypesByMask.Remove(archetype.Mask);
        }

        archetypes.RemoveAll(gone.Contains);
        foreach (var archetype in archetypes)
        {
            archetype.ForgetEdgesTo(gone);
        }

        foreach (var query in queries.Values)
        {
            query.Forget(gone);
        }

        for (int i = 0; i < archetypeBySignature.Length; i++)
        {
            if (archetypeBySignature[i] is { } cached && gone.Contains(cached))
            {
                archetypeBySignature[i] = null;
            }
        }

        if (emptyArchetype is not null && gone.Contains(emptyArchetype))
        {
            emptyArchetype = null;
        }
    }
}
