using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// Structural changes inside queries (flecs-style deferral). While a query iterates, <c>Create</c>,
/// <c>Destroy</c>, <c>Add</c> and <c>Remove</c> are recorded and applied, in order, when the outermost
/// query ends, so no entity moves under an iterator:
/// <list type="bullet">
/// <item><c>Create</c> returns the entity's final handle at once. Until the query ends the entity is
/// <em>pending</em>: <see cref="IsAlive"/> is true, <c>Set</c>, <c>Add</c>, <c>Remove</c> and <c>Destroy</c>
/// on it are recorded too, and reading it (<c>Get</c>, <c>Has</c>…) throws <see cref="EntityPendingException"/>.</item>
/// <item><c>Destroy</c> takes effect for handles at once (<see cref="IsAlive"/> false, <see cref="Size"/>
/// one less, later operations throw <see cref="EntityNotAliveException"/>); the storage row is freed when
/// the query ends, so the running query may still visit it.</item>
/// <item><c>Add</c>/<c>Remove</c> become visible when the query ends; until then the entity keeps its
/// archetype. Their component checks (duplicate, missing) run then, and a failure is thrown from the
/// query after every other recorded change has been applied.</item>
/// </list>
/// Parallel queries still refuse structural changes (<see cref="StructuralChangeDuringQueryException"/>):
/// their callbacks run on several threads at once; use one <see cref="CommandBuffer"/> per thread.
/// </summary>
public sealed partial class World
{
    private DeferredChanges? deferred;
    private int parallelDepth;

    private DeferredChanges Deferred => deferred ??= new DeferredChanges();

    internal void EnterIteration() => iterationDepth++;

    internal void ExitIteration()
    {
        if (--iterationDepth == 0 && deferred is { IsEmpty: false } && !disposed)
        {
            deferred.Apply(this);
        }
    }

    /// <summary>Reserves a handle for an entity created during a query; it is materialized when the query ends.</summary>
    private Entity DeferCreate(int signatureId, ComponentType[] types)
    {
        ThrowIfDescribesComponentTypes(types);
        var entity = Reserve();
        Deferred.Create(entity, signatureId, types);
        return entity;
    }

    /// <summary>Reserves a handle for an entity created during a query; it is materialized when the query ends.</summary>
    private Entity DeferCreate(BitSet mask, ReadOnlySpan<ComponentType> types)
    {
        ThrowIfDescribesComponentTypes(types);
        var entity = Reserve();
        Deferred.Create(entity, mask);
        return entity;
    }

    private Entity Reserve()
    {
        ThrowIfParallel(Entity.Null, "Create");
        int id = AllocateId();
        ref var slot = ref slots[id];
        slot.Pending = true;
        Size++;
        return Entity.Issued(id, Key, slot.Version);
    }

    private void DeferDestroy(Entity entity)
    {
        ThrowIfParallel(entity, "Destroy");
        ref var slot = ref LiveOrPendingSlot(entity, "Destroy");
        slot.Version++; // every handle to it is stale from now on; the row is freed at the end of the query
        Size--;
        Deferred.Destroy(entity);
    }

    private void DeferAdd<T>(Entity entity, in T component)
    {
        ThrowIfParallel(entity, "Add", typeof(T));
        ref var slot = ref LiveOrPendingSlot(entity, "Add", typeof(T));
        Deferred.Add(Entity.Issued(entity.Id, Key, slot.Version), in component);
    }

    private void DeferRemove<T>(Entity entity)
    {
        ThrowIfParallel(entity, "Remove", typeof(T));
        ref var slot = ref LiveOrPendingSlot(entity, "Remove", typeof(T));
        Deferred.Remove<T>(Entity.Issued(entity.Id, Key, slot.Version));
    }

    /// <summary>True when <paramref name="entity"/> is a pending entity of this world (created during the running query).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsPending(Entity entity) =>
        WorldKeys.Matches(entity.WorldKey, Key) && (uint)entity.Id < (uint)slotCount && slots[entity.Id].Pending && VersionMatches(slots[entity.Id].Version, entity.Version);

    private ref EntitySlot LiveOrPendingSlot(Entity entity, string operation, Type? componentType = null)
    {
        if (!WorldKeys.Matches(entity.WorldKey, Key))
        {
            ThrowWrongWorld(entity, operation, componentType);
        }

        if ((uint)entity.Id < (uint)slotCount)
        {
            ref var slot = ref slots[entity.Id];
            if (VersionMatches(slot.Version, entity.Version) && (slot.Archetype is not null || slot.Pending))
            {
                return ref slot;
            }
        }

        throw new EntityNotAliveException(entity, Describe(operation, componentType));
    }

    private void ThrowIfParallel(Entity entity, string operation, Type? componentType = null)
    {
        if (parallelDepth > 0)
        {
            throw new StructuralChangeDuringQueryException(entity, Describe(operation, componentType));
        }
    }

    private static void ThrowIfDescribesComponentTypes(ReadOnlySpan<ComponentType> types)
    {
        SignatureIds.ThrowIfDuplicate(types);
        foreach (var type in types)
        {
            if (type.DescribesComponentTypes)
            {
                throw new InvalidComponentTypeException(type.Type);
            }
        }
    }

    /// <summary>Puts a reserved entity into storage with every component at its default value.</summary>
    internal void MaterializeReserved(Entity entity, int signatureId, ComponentType[] types) =>
        Materialize(entity, ArchetypeForSignature(signatureId, types));

    /// <summary>Puts a reserved entity into storage with every component at its default value.</summary>
    internal void MaterializeReserved(Entity entity, BitSet mask) => Materialize(entity, GetOrCreateArchetype(mask));

    private void Materialize(Entity entity, Archetype archetype)
    {
        ref var slot = ref slots[entity.Id];
        var (chunkIndex, row) = archetype.Allocate(entity, ChangeVersion);
        slot.Pending = false;
        slot.Archetype = archetype;
        slot.Chunk = chunkIndex;
        slot.Row = row;
        foreach (var column in archetype.ChunkArray[chunkIndex].Columns)
        {
            Array.Clear(column, row, 1); // rows are reused without clearing value types
        }
    }

    /// <summary>Gives back the id of a reserved entity that could not be materialized.</summary>
    internal void ReleaseReserved(Entity entity)
    {
        ref var slot = ref slots[entity.Id];
        if (!slot.Pending)
        {
            return;
        }

        slot.Pending = false;
        if (slot.Version == entity.Version)
        {
            slot.Version++;
            Size--;
        }

        PushFreeId(entity.Id);
    }

    /// <summary>Frees the row of an entity destroyed during a query (its version was moved on then).</summary>
    internal void FreeStorage(int id)
    {
        ref var slot = ref slots[id];
        if (slot.Archetype is null)
        {
            return; // its creation failed and released the id already
        }

        var moved = slot.Archetype.RemoveAt(slot.Chunk, slot.Row, ChangeVersion);
        if (moved.Version != 0) // Entity.Null: nothing moved
        {
            ref var movedSlot = ref slots[moved.Id];
            movedSlot.Chunk = slot.Chunk;
            movedSlot.Row = slot.Row;
        }

        slot.Archetype = null;
        PushFreeId(id);
    }
}
