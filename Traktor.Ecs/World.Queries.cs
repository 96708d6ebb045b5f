using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>The cached query for a description (created on first use); enumerate it for chunks.</summary>
    /// <param name="description">What to match.</param>
    public Query Query(in QueryDescription description)
    {
        if (!queries.TryGetValue(description, out var query))
        {
            query = new Query(this, description);
            foreach (var archetype in archetypes)
            {
                query.TryAdd(archetype);
            }

            queries.Add(description, query);
        }

        return query;
    }

    /// <summary>The number of live entities matching <paramref name="description"/>.</summary>
    /// <param name="description">What to match.</param>
    public int CountEntities(in QueryDescription description) => Query(in description).CountEntities();

    private static int RequireQueryColumn<T>(Archetype archetype)
    {
        int column = archetype.ColumnOf(Component<T>.Id);
        if (column < 0)
        {
            throw new ComponentNotFoundException(
                Entity.Null, typeof(T), $"Query over {typeof(T).Name} (add it to WithAll) reached archetype {archetype}, which");
        }

        return column;
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with its components by reference.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0>(in QueryDescription description, ForEach<T0> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(ref Unsafe.Add(ref r0, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with the entity and its components.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0>(in QueryDescription description, ForEachWithEntity<T0> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    var entities = chunk.EntityArray;
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(entities[i], ref Unsafe.Add(ref r0, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with its components by reference.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0, T1>(in QueryDescription description, ForEach<T0, T1> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                int c1 = RequireQueryColumn<T1>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    ref T1 r1 = ref chunk.FirstForWrite<T1>(c1, version);
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with the entity and its components.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0, T1>(in QueryDescription description, ForEachWithEntity<T0, T1> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                int c1 = RequireQueryColumn<T1>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    ref T1 r1 = ref chunk.FirstForWrite<T1>(c1, version);
                    var entities = chunk.EntityArray;
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(entities[i], ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with its components by reference.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0, T1, T2>(in QueryDescription description, ForEach<T0, T1, T2> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                int c1 = RequireQueryColumn<T1>(archetype);
                int c2 = RequireQueryColumn<T2>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    ref T1 r1 = ref chunk.FirstForWrite<T1>(c1, version);
                    ref T2 r2 = ref chunk.FirstForWrite<T2>(c2, version);
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with the entity and its components.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0, T1, T2>(in QueryDescription description, ForEachWithEntity<T0, T1, T2> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                int c1 = RequireQueryColumn<T1>(archetype);
                int c2 = RequireQueryColumn<T2>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    ref T1 r1 = ref chunk.FirstForWrite<T1>(c1, version);
                    ref T2 r2 = ref chunk.FirstForWrite<T2>(c2, version);
                    var entities = chunk.EntityArray;
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(entities[i], ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with its components by reference.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T3">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0, T1, T2, T3>(in QueryDescription description, ForEach<T0, T1, T2, T3> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                int c1 = RequireQueryColumn<T1>(archetype);
                int c2 = RequireQueryColumn<T2>(archetype);
                int c3 = RequireQueryColumn<T3>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    ref T1 r1 = ref chunk.FirstForWrite<T1>(c1, version);
                    ref T2 r2 = ref chunk.FirstForWrite<T2>(c2, version);
                    ref T3 r3 = ref chunk.FirstForWrite<T3>(c3, version);
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i), ref Unsafe.Add(ref r3, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Calls <paramref name="forEach"/> for every matching entity with the entity and its components.</summary>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T3">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query<T0, T1, T2, T3>(in QueryDescription description, ForEachWithEntity<T0, T1, T2, T3> forEach)
    {
        var query = Query(in description);
        uint version = ChangeVersion;
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                int c0 = RequireQueryColumn<T0>(archetype);
                int c1 = RequireQueryColumn<T1>(archetype);
                int c2 = RequireQueryColumn<T2>(archetype);
                int c3 = RequireQueryColumn<T3>(archetype);
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    ref var chunk = ref chunks[c];
                    ref T0 r0 = ref chunk.FirstForWrite<T0>(c0, version);
                    ref T1 r1 = ref chunk.FirstForWrite<T1>(c1, version);
                    ref T2 r2 = ref chunk.FirstForWrite<T2>(c2, version);
                    ref T3 r3 = ref chunk.FirstForWrite<T3>(c3, version);
                    var entities = chunk.EntityArray;
                    int count = chunk.Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(entities[i], ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i), ref Unsafe.Add(ref r3, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }
}
