namespace Traktor.Ecs.Net;

/// <summary>
/// Who is in the session, as the facade heard it: <see cref="PlayerJoined"/> is raised once per player and session, and
/// <see cref="PlayerLeft"/> once per departure of a player heard to join; a host migration's successor adopts the players
/// already in the session (it does not announce them again), and the lost host is announced gone once the migration completes.
/// </summary>
public sealed partial class Multiplayer
{
    // In join order (a Dictionary reuses a departed player's slot for the next one to join): a successor's relay adopts the
    // players in this order, and tells a newcomer about them in it.
    private readonly OrderedDictionary<ulong, Sessions.PlayerJoined> roster = new();

    // This tick's joins and departures, copied out of the queries before any handler runs: a handler may change the world
    // (create a player's entity and read it back), which inside a query would be deferred (docs/ECS.md).
    private readonly List<Sessions.PlayerJoined> joinedThisTick = new();
    private readonly List<Sessions.PlayerLeft> leftThisTick = new();

    /// <summary>
    /// Raises <see cref="PlayerJoined"/> for this tick's joins of players not already in the session (as this player heard it)
    /// and <see cref="PlayerLeft"/> for the departures of players in it, after the queries that find them.
    /// </summary>
    private void RaisePlayerEvents()
    {
        joinedThisTick.Clear();
        foreach (ref var chunk in client.World.Query(in joinedQuery))
        {
            foreach (ref readonly var e in chunk.GetReadOnlySpan<Sessions.PlayerJoined>())
            {
                if (roster.TryAdd(e.PlayerId, e)) joinedThisTick.Add(e);
            }
        }

        foreach (var e in joinedThisTick) PlayerJoined?.Invoke(e);

        leftThisTick.Clear();
        foreach (ref var chunk in client.World.Query(in leftQuery))
        {
            foreach (ref readonly var e in chunk.GetReadOnlySpan<Sessions.PlayerLeft>())
            {
                if (roster.Remove(e.PlayerId)) leftThisTick.Add(e);
            }
        }

        foreach (var e in leftThisTick) PlayerLeft?.Invoke(e);
    }

    /// <summary>Raises <see cref="PlayerLeft"/> for a player gone without an event of its own (the lost host of a completed migration), unless it was raised already.</summary>
    private void RaiseLeft(ulong playerId)
    {
        if (roster.Remove(playerId, out var joined))
        {
            PlayerLeft?.Invoke(new Sessions.PlayerLeft { PlayerId = playerId, PlayerCount = roster.Count, Name = joined.Name });
        }
    }

    /// <summary>The players in the session as this player heard them (ids and names, in join order), for the relay of a new host to adopt.</summary>
    private List<(ulong Id, string Name)> RosterEntries() => roster.Values.Select(p => (p.PlayerId, p.Name.ToString())).ToList();
}
