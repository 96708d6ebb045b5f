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
}
