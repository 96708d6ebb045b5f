using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>
    /// The entity's <typeparamref name="T"/> by reference. Counts as a write: the chunk column is
    /// stamped with the current <see cref="Version"/>.
    /// </summary>
    /// <typeparam name="T">A component the entity has.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    /// <exception cref="ComponentNotFoundException">The entity has no <typeparamref name="T"/>.</exception>
    public ref T Get<T>(Entity entity)
    {
        ref var slot = ref AliveSlot(entity, "Get", typeof(T));
        int column = RequireColumn<T>(slot.Archetype!, entity, "Get");
        ref var chunk = ref slot.Archetype!.ChunkArray[slot.Chunk];
        chunk.MarkChanged(column, ChangeVersion);
        return ref chunk.ElementAt<T>(column, slot.Row);
    }

    /// <summary>Overwrites the entity's <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A component the entity has.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The new value.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    /// <exception cref="ComponentNotFoundException">The entity has no <typeparamref name="T"/>.</exception>
    public void Set<T>(Entity entity, in T component)
    {
        if (iterationDepth > 0 && IsPending(entity))
        {
            Deferred.Set(entity, in component);
            return;
        }

        ref var slot = ref AliveSlot(entity, "Set", typeof(T));
        int column = RequireColumn<T>(slot.Archetype!, entity, "Set");
        ref var chunk = ref slot.Archetype!.ChunkArray[slot.Chunk];
        chunk.MarkChanged(column, ChangeVersion);
        chunk.ElementAt<T>(column, slot.Row) = component;
    }

    /// <summary>True when the live entity has a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    public bool Has<T>(Entity entity) => AliveSlot(entity, "Has", typeof(T)).Archetype!.ColumnOf(Component<T>.Id) >= 0;

    /// <summary>Copies out the entity's <typeparamref name="T"/> if it is alive and has one. Not a write.</summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">Any handle.</param>
    /// <param name="component">The value, or default.</param>
    /// <returns>True when the value was found.</returns>
    public bool TryGet<T>(Entity entity, out T component)
    {
        if (IsStored(entity))
        {
            ref var slot = ref slots[entity.Id];
            int column = slot.Archetype!.ColumnOf(Component<T>.Id);
            if (column >= 0)
            {
                component = slot.Archetype.ChunkArray[slot.Chunk].ElementAt<T>(column, slot.Row);
                return true;
            }
        }

        component = default!;
        return false;
    }

    /// <summary>Adds a <typeparamref name="T"/> to the entity, moving it to the matching archetype.</summary>
    /// <typeparam name="T">A component type the entity does not have yet.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The initial value.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    /// <exception cref="DuplicateComponentException">The entity already has a <typeparamref name="T"/>.</exception>
    /// <exception cref="StructuralChangeDuringQueryException">A parallel query is iterating (inside other queries the change is deferred).</exception>
    public void Add<T>(Entity entity, in T component = default!)
    {
        if (iterationDepth > 0)
        {
            DeferAdd(entity, in component);
            return;
        }

        ref var slot = ref AliveSlot(entity, "Add", typeof(T));
        var source = slot.Archetype!;
        int id = Component<T>.Id;
        if (source.ColumnOf(id) >= 0)
        {
            throw new DuplicateComponentException(entity, typeof(T));
        }

        var target = ArchetypeWith(source, id);
        Move(entity, ref slot, target);
        target.ChunkArray[slot.Chunk].ElementAt<T>(target.ColumnOf(id), slot.Row) = component;
    }

    /// <summary>Removes the entity's <typeparamref name="T"/>, moving it to the matching archetype.</summary>
    /// <typeparam name="T">A component type the entity has.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    /// <exception cref="ComponentNotFoundException">The entity has no <typeparamref name="T"/>.</exception>
    /// <exception cref="StructuralChangeDuringQueryException">A parallel query is iterating (inside other queries the change is deferred).</exception>
    public void Remove<T>(Entity entity)
    {
        if (iterationDepth > 0)
        {
            DeferRemove<T>(entity);
            return;
        }

        ref var slot = ref AliveSlot(entity, "Remove", typeof(T));
        var source = slot.Archetype!;
        int id = Component<T>.Id;
        RequireColumn<T>(source, entity, "Remove");
        Move(entity, ref slot, ArchetypeWithout(source, id));
    }

    /// <summary>One step of a multi-component add: <paramref name="current"/> plus <typeparamref name="T"/>.</summary>
    private Archetype AddStep<T>(Archetype current, Entity entity)
    {
        int id = Component<T>.Id;
        if (current.ColumnOf(id) >= 0)
        {
            throw new DuplicateComponentException(entity, typeof(T));
        }

        return ArchetypeWith(current, id);
    }

    /// <summary>One step of a multi-component remove: <paramref name="current"/> minus <typeparamref name="T"/>.</summary>
    private Archetype RemoveStep<T>(Archetype current, Entity entity)
    {
        RequireColumn<T>(current, entity, "Remove");
        return ArchetypeWithout(current, Component<T>.Id);
    }

    /// <summary>The archetype of <paramref name="source"/>'s components plus one, through the cached edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Archetype ArchetypeWith(Archetype source, int componentId)
    {
        var target = source.CachedAddEdge(componentId);
        if (target is null)
        {
            target = GetOrCreateArchetype(source.Mask.With(componentId));
            source.CacheAddEdge(componentId, target);
        }

        return target;
    }

    /// <summary>The archetype of <paramref name="source"/>'s components minus one, through the cached edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Archetype ArchetypeWithout(Archetype source, int componentId)
    {
        var target = source.CachedRemoveEdge(componentId);
        if (target is null)
        {
            target = GetOrCreateArchetype(source.Mask.Without(componentId));
            source.CacheRemoveEdge(componentId, target);
        }

        return target;
    }

    /// <summary>Moves an entity between archetypes, copying every component both have.</summary>
    private void Move(Entity entity, ref EntitySlot slot, Archetype target)
    {
        var source = slot.Archetype!;
        var (targetChunk, targetRow) = target.Allocate(entity, ChangeVersion);
        ref var from = ref source.ChunkArray[slot.Chunk];
        ref var to = ref target.ChunkArray[targetChunk];
        var types = source.Types;
        var ops = source.ColumnOps;
        for (int c = 0; c < types.Length; c++)
        {
            int targetColumn = target.ColumnOf(types[c].Id);
            if (targetColumn >= 0)
            {
                ops[c].Copy(from.Columns[c], slot.Row, to.Columns[targetColumn], targetRow);
            }
        }

        var moved = source.RemoveAt(slot.Chunk, slot.Row, ChangeVersion);
        if (moved.Version != 0) // Entity.Null: nothing moved
        {
            ref var movedSlot = ref slots[moved.Id];
            movedSlot.Chunk = slot.Chunk;
            movedSlot.Row = slot.Row;
        }

        slot.Archetype = target;
        slot.Chunk = targetChunk;
        slot.Row = targetRow;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RequireColumn<T>(Archetype archetype, Entity entity, string operation)
    {
        int column = archetype.ColumnOf(Component<T>.Id);
        if (column < 0)
        {
            throw new ComponentNotFoundException(entity, typeof(T), Describe(operation, typeof(T)));
        }

        return column;
    }
}
