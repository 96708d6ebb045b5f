namespace Traktor.Ecs.Net;

/// <summary>
/// What a session left in the player's world when it ended, kept for the game's end screen (scores, the winner) until the
/// player plays again: <see cref="Multiplayer"/> and a Lua script's <c>multiplayer</c> keep it as a <see cref="MigratingPeer"/>
/// does, and drop it when the player joins or creates another session or leaves explicitly, so a joiner, not only the
/// host, can show how the game ended after its host's connection ended. On the tick thread.
/// </summary>
internal sealed class EndedSessionWorld
{
    /// <summary>Every entity a session numbered: a player's replica, or what a host replicated.</summary>
    private static readonly QueryDescription Numbered = new QueryDescription().WithAll<NetworkId>();

    /// <summary>
    /// The entities kept. Handles are versioned: one the game destroyed meanwhile (or whose id a new entity took) is not
    /// alive and is skipped. A set: a session ended twice over (a host that stops after its replica was kept) notes the
    /// same entities again.
    /// </summary>
    private readonly HashSet<Entity> kept = new();

    /// <summary>Whether an ended session's entities are still in the world.</summary>
    public bool Holds => kept.Count > 0;

    /// <summary>
    /// Whether the world shows a session that ended (its end screen), entities or not: from the end until the player plays
    /// again (<see cref="Drop"/>).
    /// </summary>
    public bool Showing { get; private set; }

    /// <summary>
    /// A player's connection ended with its session: the replicated entities stay, each at the newest state received (the
    /// host's final world, not the interpolation delay behind it nor the local prediction ahead), detached from the client
    /// so the next session's snapshots make entities of their own and never update or destroy these.
    /// </summary>
    /// <param name="client">The player's network plugin (its <see cref="NetworkClient.KeepEntitiesOnDisconnect"/> was set, so the disconnect left them).</param>
    public void KeepReplica(NetworkClient client)
    {
        client.Replication.DetachAtNewest();
        client.KeepEntitiesOnDisconnect = false;
        Note(client.World);
    }

    /// <summary>A session this player hosted ended: what its server replicated stays as it was, the host's own end screen.</summary>
    /// <param name="world">The world the host served.</param>
    public void KeepHosted(World world) => Note(world);

    /// <summary>The player plays again (joins, creates, or leaves explicitly): the ended session's entities go.</summary>
    /// <param name="world">The player's world.</param>
    public void Drop(World world)
    {
        foreach (var entity in kept)
        {
            if (world.IsAlive(entity)) world.Destroy(entity);
        }

        kept.Clear();
        Showing = false;
    }

    private void Note(World world)
    {
        Showing = true;
        foreach (ref var chunk in world.Query(in Numbered))
        {
            foreach (var entity in chunk.Entities)
            {
                kept.Add(entity);
            }
        }
    }
}
