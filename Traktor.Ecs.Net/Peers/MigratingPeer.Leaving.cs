namespace Traktor.Ecs.Net;

/// <summary>
/// Leaving a session and starting another: what the session left in the world is the game's until the peer starts again,
/// then it goes, so the next session starts from a clean replicated state.
/// </summary>
public sealed partial class MigratingPeer
{
    /// <summary>
    /// The replicated entities of the session this peer left with <see cref="Dispose"/>, destroyed when it starts the next
    /// (<see cref="Join"/>, <see cref="StartHost"/>). Handles are versioned: one the game destroyed (or whose id a new entity
    /// took) is not alive and is skipped. A set: a peer that leaves again before it starts notes the same entities again.
    /// </summary>
    private readonly HashSet<Entity> leftovers = new();

    /// <summary>
    /// The session ends for this peer (<see cref="Dispose"/>): notes what it left. Every entity with a <see cref="NetworkId"/>
    /// came from the session (a client's replica, or what the host numbered); a peer that hosted last also made the
    /// replicated entities of its last tick, not numbered yet. A client's unnumbered entities and entities without a
    /// replicated component are the game's own and stay, as when a host gives way (<see cref="StopHostingFor"/>).
    /// </summary>
    private void NoteLeftovers()
    {
        bool hosted = Role == MigrationRole.Host || (Role == MigrationRole.Out && netClient is null); // Out with no client: it ended its session
        NoteMatching(in numberedQuery, leftovers);
        if (hosted && registry.ComponentTypes.Length > 0)
        {
            NoteMatching(in unnumberedReplicable, leftovers);
        }
    }

    /// <summary>
    /// A peer out of the session keeps what its replica held, each entity at the newest state received (the host's final
    /// world when it ended the session, not the interpolation delay behind it, nor the local prediction): detached from the
    /// client (a follow's snapshots bring new entities; reset, the replica would destroy these), and noted with what a
    /// follow drops once connected (<see cref="stale"/>, which <see cref="Dispose"/> hands to <see cref="leftovers"/>).
    /// </summary>
    private void KeepLastState()
    {
        Client!.Replication.DetachAtNewest();
        NoteMatching(in numberedQuery, stale);
    }

    /// <summary>Adds every entity <paramref name="query"/> matches to <paramref name="into"/>.</summary>
    private void NoteMatching(in QueryDescription query, HashSet<Entity> into)
    {
        foreach (ref var chunk in world.Query(in query))
        {
            foreach (var entity in chunk.Entities)
            {
                into.Add(entity);
            }
        }
    }

    /// <summary>
    /// A new session starts (<see cref="Join"/>, <see cref="StartHost"/>): what the last one ended with goes. Its entities
    /// (<see cref="DropLeftovers"/>), why it ended, and its last migration (the host lost then and how long the migration
    /// took): the end state belongs to the ended session. Kept, a peer of the next session named the last one's lost host
    /// and migration time before any migration of its own.
    /// </summary>
    private void StartClean()
    {
        DropLeftovers();
        OutReason = null;
        LostHostClientId = null;
        LastMigrationDuration = null;
        LastHostChange = HostChangeCause.None;
    }

    /// <summary>
    /// A new session starts: the last one's entities go. Kept until now, they showed whatever the game wanted after leaving
    /// (an end screen); kept beyond, a client's were ghosts beside the new host's copies, and a host's carried network ids
    /// the new session numbers again from 0.
    /// </summary>
    private void DropLeftovers()
    {
        foreach (var entity in leftovers)
        {
            if (world.IsAlive(entity)) world.Destroy(entity);
        }

        leftovers.Clear();
    }
}
