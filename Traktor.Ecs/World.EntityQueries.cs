namespace Traktor.Ecs;

public sealed partial class World
{
    /// <summary>Calls <paramref name="forEach"/> for every entity matching <paramref name="description"/>.</summary>
    /// <param name="description">What to match.</param>
    /// <param name="forEach">The callback. Structural changes inside it throw; use a <see cref="CommandBuffer"/>.</param>
    public void Query(in QueryDescription description, ForEach forEach)
    {
        var query = Query(in description);
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    var entities = chunks[c].EntityArray;
                    int count = chunks[c].Count;
                    for (int i = 0; i < count; i++)
                    {
                        forEach(entities[i]);
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Runs a struct callback for every entity matching <paramref name="description"/>; its <c>Update</c> inlines.</summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <param name="description">What to match.</param>
    /// <param name="iterator">The callback, by reference so its state survives the query.</param>
    public void InlineQuery<TForEach>(in QueryDescription description, ref TForEach iterator)
        where TForEach : struct, IForEach
    {
        var query = Query(in description);
        EnterIteration();
        try
        {
            foreach (var archetype in query.Archetypes)
            {
                var chunks = archetype.ChunkArray;
                for (int c = 0; c < archetype.ChunkCount; c++)
                {
                    var entities = chunks[c].EntityArray;
                    int count = chunks[c].Count;
                    for (int i = 0; i < count; i++)
                    {
                        iterator.Update(entities[i]);
                    }
                }
            }
        }
        finally
        {
            ExitIteration();
        }
    }

    /// <summary>Runs a struct callback for every entity matching <paramref name="description"/> (a default-initialised <typeparamref name="TForEach"/>).</summary>
    /// <typeparam name="TForEach">The callback struct.</typeparam>
    /// <param name="description">What to match.</param>
    public void InlineQuery<TForEach>(in QueryDescription description)
        where TForEach : struct, IForEach
    {
        var iterator = default(TForEach);
        InlineQuery(in description, ref iterator);
    }
}
