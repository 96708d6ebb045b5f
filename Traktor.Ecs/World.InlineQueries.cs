using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>
    /// Runs a struct callback for every matching entity. The loop is specialised for
    /// <typeparamref name="TForEach"/>, so its <c>Update</c> inlines.
    /// </summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineQuery<TForEach, T0>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEach<T0>
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
                        iterator.Update(ref Unsafe.Add(ref r0, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Like <c>InlineQuery</c>, passing the entity handle too.</summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineEntityQuery<TForEach, T0>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEachWithEntity<T0>
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
                        iterator.Update(entities[i], ref Unsafe.Add(ref r0, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>
    /// Runs a struct callback for every matching entity. The loop is specialised for
    /// <typeparamref name="TForEach"/>, so its <c>Update</c> inlines.
    /// </summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineQuery<TForEach, T0, T1>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEach<T0, T1>
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
                        iterator.Update(ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Like <c>InlineQuery</c>, passing the entity handle too.</summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineEntityQuery<TForEach, T0, T1>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEachWithEntity<T0, T1>
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
                        iterator.Update(entities[i], ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>
    /// Runs a struct callback for every matching entity. The loop is specialised for
    /// <typeparamref name="TForEach"/>, so its <c>Update</c> inlines.
    /// </summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineQuery<TForEach, T0, T1, T2>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEach<T0, T1, T2>
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
                        iterator.Update(ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Like <c>InlineQuery</c>, passing the entity handle too.</summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineEntityQuery<TForEach, T0, T1, T2>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEachWithEntity<T0, T1, T2>
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
                        iterator.Update(entities[i], ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>
    /// Runs a struct callback for every matching entity. The loop is specialised for
    /// <typeparamref name="TForEach"/>, so its <c>Update</c> inlines.
    /// </summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T3">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineQuery<TForEach, T0, T1, T2, T3>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEach<T0, T1, T2, T3>
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
                        iterator.Update(ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i), ref Unsafe.Add(ref r3, i));
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Like <c>InlineQuery</c>, passing the entity handle too.</summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <typeparam name="T0">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T1">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T2">A component type every matching archetype has.</typeparam>
    /// <typeparam name="T3">A component type every matching archetype has.</typeparam>
    /// <param name="description">What to match; it should require every <c>T</c> in <c>WithAll</c>.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineEntityQuery<TForEach, T0, T1, T2, T3>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEachWithEntity<T0, T1, T2, T3>
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
                        iterator.Update(entities[i], ref Unsafe.Add(ref r0, i), ref Unsafe.Add(ref r1, i), ref Unsafe.Add(ref r2, i), ref Unsafe.Add(ref r3, i));
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
