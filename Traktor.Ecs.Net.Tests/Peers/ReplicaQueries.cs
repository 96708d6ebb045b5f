namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>What the migration tests read of a player's world: its replicated entities, by network id.</summary>
internal static class ReplicaQueries
{
    /// <summary>The entities with a <typeparamref name="T"/> and a network id.</summary>
    public static int Count<T>(World world) => world.CountEntities(new QueryDescription().WithAll<T, NetworkId>());

    /// <summary>The network ids of the entities with a <typeparamref name="T"/>.</summary>
    public static HashSet<uint> Ids<T>(World world)
    {
        var ids = new HashSet<uint>();
        world.Query(new QueryDescription().WithAll<T, NetworkId>(), (ref NetworkId id) => ids.Add(id.Value));
        return ids;
    }

    /// <summary>No network id names two entities (a new session's numbering beside the last one's ghosts would).</summary>
    public static void AssertOneEntityPerNetworkId(World world)
    {
        var ids = new List<uint>();
        world.Query(new QueryDescription().WithAll<NetworkId>(), (ref NetworkId id) => ids.Add(id.Value));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}

/// <summary>A component the game keeps to itself (its camera): never registered for replication.</summary>
internal readonly record struct LocalCamera(float Zoom);
