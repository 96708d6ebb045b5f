namespace Traktor.Ecs;

/// <summary>
/// Operations by <see cref="ComponentType"/> or boxed value, for code that learns types at run time
/// (editors, serializers, scripting), as in Arch. They box and use reflection-free array access; the
/// generic forms are the fast path.
/// </summary>
public sealed partial class World
{
    /// <summary>True when the live entity has a component of the given type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="type">A component type (a <see cref="Type"/> converts implicitly).</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    public bool Has(Entity entity, ComponentType type) => AliveSlot(entity, "Has", type.Type).Archetype!.ColumnOf(type.Id) >= 0;

    /// <summary>True when the live entity has every one of the given component types.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    public bool HasRange(Entity entity, params ReadOnlySpan<ComponentType> types)
    {
        var archetype = AliveSlot(entity, "HasRange").Archetype!;
        foreach (var type in types)
        {
            if (archetype.ColumnOf(type.Id) < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A boxed copy of the entity's component of the given type. Not a write.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="type">A component type the entity has.</param>
    /// <exception cref="EntityNotAliveException">The entity is not alive.</exception>
    /// <exception cref="ComponentNotFoundException">The entity has no such component.</exception>
    public object? Get(Entity entity, ComponentType type)
    {
        ref var slot = ref AliveSlot(entity, "Get", type.Type);
        int column = RequireColumn(slot.Archetype!, entity, type, "Get");
        return slot.Archetype!.ChunkArray[slot.Chunk].Columns[column].GetValue(slot.Row);
    }

    /// <summary>Boxed copies of the entity's components of the given types, in that order.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types the entity has.</param>
    /// <exception cref="ComponentNotFoundException">The entity lacks one of them.</exception>
    public object?[] GetRange(Entity entity, params ReadOnlySpan<ComponentType> types)
    {
        var values = new object?[types.Length];
        for (int i = 0; i < types.Length; i++)
        {
            values[i] = Get(entity, types[i]);
        }

        return values;
    }

    /// <summary>A boxed copy of the entity's component of the given type, if it is alive and has one.</summary>
    /// <param name="entity">Any handle.</param>
    /// <param name="type">A component type.</param>
    /// <param name="component">The boxed value, or null.</param>
    /// <returns>True when found.</returns>
    public bool TryGet(Entity entity, ComponentType type, out object? component)
    {
        if (IsStored(entity))
        {
            ref var slot = ref slots[entity.Id];
            int column = slot.Archetype!.ColumnOf(type.Id);
            if (column >= 0)
            {
                component = slot.Archetype.ChunkArray[slot.Chunk].Columns[column].GetValue(slot.Row);
                return true;
            }
        }

        component = null;
        return false;
    }

    /// <summary>Overwrites the entity's component of the value's run-time type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">A boxed component value; its type must be one the entity has.</param>
    /// <exception cref="ComponentNotFoundException">The entity has no component of that type.</exception>
    public void Set(Entity entity, object component)
    {
        ArgumentNullException.ThrowIfNull(component);
        ComponentType type = component.GetType();
        if (iterationDepth > 0 && IsPending(entity))
        {
            Deferred.SetBoxed(entity, component);
            return;
        }

        ref var slot = ref AliveSlot(entity, "Set", type.Type);
        int column = RequireColumn(slot.Archetype!, entity, type, "Set");
        ref var chunk = ref slot.Archetype!.ChunkArray[slot.Chunk];
        chunk.MarkChanged(column, ChangeVersion);
        chunk.Columns[column].SetValue(component, slot.Row);
    }

    /// <summary>Overwrites several components, each identified by its value's run-time type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="components">Boxed component values.</param>
    public void SetRange(Entity entity, params ReadOnlySpan<object> components)
    {
        foreach (var component in components)
        {
            Set(entity, component);
        }
    }

    /// <summary>Adds a boxed component (its run-time type is the component type), moving the entity.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The boxed value.</param>
    /// <exception cref="DuplicateComponentException">The entity already has one.</exception>
    /// <exception cref="StructuralChangeDuringQueryException">A parallel query is iterating (inside other queries the change is deferred).</exception>
    public void Add(Entity entity, object component)
    {
        ArgumentNullException.ThrowIfNull(component);
        ComponentType type = component.GetType();
        if (iterationDepth > 0)
        {
            ThrowIfParallel(entity, "Add", type.Type);
            LiveOrPendingSlot(entity, "Add", type.Type);
            Deferred.AddBoxed(entity, component);
            return;
        }

        AddDefault(entity, type, "Add");
        ref var slot = ref slots[entity.Id];
        slot.Archetype!.ChunkArray[slot.Chunk].Columns[slot.Archetype.ColumnOf(type.Id)].SetValue(component, slot.Row);
    }

    /// <summary>Adds several boxed components (each value's run-time type is its component type).</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="components">Boxed values of distinct types the entity does not have.</param>
    public void AddRange(Entity entity, params ReadOnlySpan<object> components)
    {
        foreach (var component in components)
        {
            Add(entity, component);
        }
    }

    /// <summary>Adds components of the given types at their default values.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Distinct component types the entity does not have.</param>
    /// <exception cref="DuplicateComponentException">The entity already has one of them.</exception>
    public void AddRange(Entity entity, params ReadOnlySpan<ComponentType> types)
    {
        foreach (var type in types)
        {
            AddDefault(entity, type, "AddRange");
        }
    }

    /// <summary>Adds components of the given types at their default values.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Distinct component types the entity does not have.</param>
    public void AddRange(Entity entity, IReadOnlyList<ComponentType> types)
    {
        foreach (var type in types)
        {
            AddDefault(entity, type, "AddRange");
        }
    }

    /// <summary>Removes the entity's component of the given type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="type">A component type the entity has.</param>
    /// <exception cref="ComponentNotFoundException">The entity has no such component.</exception>
    public void Remove(Entity entity, ComponentType type)
    {
        if (iterationDepth > 0)
        {
            ThrowIfParallel(entity, "Remove", type.Type);
            LiveOrPendingSlot(entity, "Remove", type.Type);
            Deferred.RemoveType(entity, type);
            return;
        }

        ref var slot = ref AliveSlot(entity, "Remove", type.Type);
        RequireColumn(slot.Archetype!, entity, type, "Remove");
        Move(entity, ref slot, ArchetypeWithout(slot.Archetype!, type.Id));
    }

    /// <summary>Removes the entity's components of the given types.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types the entity has.</param>
    public void RemoveRange(Entity entity, params ReadOnlySpan<ComponentType> types)
    {
        foreach (var type in types)
        {
            Remove(entity, type);
        }
    }

    /// <summary>Removes the entity's components of the given types.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types the entity has.</param>
    public void RemoveRange(Entity entity, IReadOnlyList<ComponentType> types)
    {
        foreach (var type in types)
        {
            Remove(entity, type);
        }
    }

    private void AddDefault(Entity entity, ComponentType type, string operation)
    {
        if (iterationDepth > 0)
        {
            ThrowIfParallel(entity, operation, type.Type);
            LiveOrPendingSlot(entity, operation, type.Type);
            Deferred.AddDefault(entity, type);
            return;
        }

        ref var slot = ref AliveSlot(entity, operation, type.Type);
        if (slot.Archetype!.ColumnOf(type.Id) >= 0)
        {
            throw new DuplicateComponentException(entity, type.Type);
        }

        var target = ArchetypeWith(slot.Archetype, type.Id);
        Move(entity, ref slot, target);

        // Rows are reused without clearing value-type columns, so "default" must be written.
        Array.Clear(target.ChunkArray[slot.Chunk].Columns[target.ColumnOf(type.Id)], slot.Row, 1);
    }

    private static int RequireColumn(Archetype archetype, Entity entity, ComponentType type, string operation)
    {
        int column = archetype.ColumnOf(type.Id);
        if (column < 0)
        {
            throw new ComponentNotFoundException(entity, type.Type, Describe(operation, type.Type));
        }

        return column;
    }
}
