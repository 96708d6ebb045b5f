using System.Buffers;

namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>Destroys every entity matching <paramref name="description"/>.</summary>
    /// <param name="description">What to match.</param>
    /// <exception cref="StructuralChangeDuringQueryException">A query is iterating.</exception>
    public void Destroy(in QueryDescription description)
    {
        ThrowIfIterating(Entity.Null, "Destroy(query)");
        foreach (var archetype in Query(in description).Archetypes)
        {
            // Destroying the last entity moves nothing, so each step is O(1).
            while (archetype.EntityCount > 0)
            {
                ref var last = ref archetype.ChunkArray[archetype.ChunkCount - 1];
                Destroy(last.EntityArray[last.Count - 1]);
            }
        }
    }

    /// <summary>Overwrites <typeparamref name="T"/> on every entity matching <paramref name="description"/>.</summary>
    /// <typeparam name="T">A component every matching archetype has.</typeparam>
    /// <param name="description">What to match.</param>
    /// <param name="component">The value to write.</param>
    /// <exception cref="ComponentNotFoundException">A matching archetype lacks <typeparamref name="T"/>.</exception>
    public void Set<T>(in QueryDescription description, in T component = default!)
    {
        uint version = ChangeVersion;
        foreach (var archetype in Query(in description).Archetypes)
        {
            int column = RequireQueryColumn<T>(archetype);
            for (int c = 0; c < archetype.ChunkCount; c++)
            {
                ref var chunk = ref archetype.ChunkArray[c];
                chunk.MarkChanged(column, version);
                new Span<T>((T[])chunk.Columns[column], 0, chunk.Count).Fill(component);
            }
        }
    }

    /// <summary>Adds <typeparamref name="T"/> to every entity matching <paramref name="description"/>.</summary>
    /// <typeparam name="T">A component type none of the matching entities has.</typeparam>
    /// <param name="description">What to match (usually <c>WithNone&lt;T&gt;</c>).</param>
    /// <param name="component">The initial value.</param>
    /// <exception cref="DuplicateComponentException">A matching entity already has a <typeparamref name="T"/>.</exception>
    /// <exception cref="StructuralChangeDuringQueryException">A query is iterating.</exception>
    public void Add<T>(in QueryDescription description, in T component = default!)
    {
        ThrowIfIterating(Entity.Null, "Add(query)", typeof(T));
        var matched = Snapshot(in description, out int count);
        try
        {
            foreach (var entity in matched.AsSpan(0, count))
            {
                Add(entity, in component);
            }
        }
        finally
        {
            ArrayPool<Entity>.Shared.Return(matched);
        }
    }

    /// <summary>Removes <typeparamref name="T"/> from every entity matching <paramref name="description"/>.</summary>
    /// <typeparam name="T">A component type every matching entity has.</typeparam>
    /// <param name="description">What to match (usually <c>WithAll&lt;T&gt;</c>).</param>
    /// <exception cref="ComponentNotFoundException">A matching entity has no <typeparamref name="T"/>.</exception>
    /// <exception cref="StructuralChangeDuringQueryException">A query is iterating.</exception>
    public void Remove<T>(in QueryDescription description)
    {
        ThrowIfIterating(Entity.Null, "Remove(query)", typeof(T));
        var matched = Snapshot(in description, out int count);
        try
        {
            foreach (var entity in matched.AsSpan(0, count))
            {
                Remove<T>(entity);
            }
        }
        finally
        {
            ArrayPool<Entity>.Shared.Return(matched);
        }
    }

    /// <summary>
    /// The matching entities, copied into a pooled array first: adding or removing moves them into
    /// other archetypes, which the query may match too, so iterating while moving would visit some twice.
    /// </summary>
    private Entity[] Snapshot(in QueryDescription description, out int count)
    {
        var query = Query(in description);
        var matched = ArrayPool<Entity>.Shared.Rent(Math.Max(1, query.CountEntities()));
        count = GetEntities(in description, matched.AsSpan());
        return matched;
    }
}
