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

    /// <summary>
    /// Raises <see cref="PlayerJoined"/> for this tick's joins of players not already in the session (as this player heard it)
    /// and <see cref="PlayerLeft"/> for the departures of players in it.
    /// </summary>
    private void RaisePlayerEvents()
    {
        foreach (ref var chunk in client.World.Query(in joinedQuery))
        {
            foreach (ref readonly var e in chunk.GetReadOnlySpan<Sessions.PlayerJoined>())
            {
                if (roster.TryAdd(e.PlayerId, e))
                {
                    PlayerJoined?.Invoke(e);
                }
            }
        }

        foreach (ref var chunk in client.World.Query(in leftQuery))
        {
            foreach (ref readonly var e in chunk.GetReadOnlySpan<Sessions.PlayerLeft>())
            {
                if (roster.Remove(e.PlayerId))
                {
                    PlayerLeft?.Invoke(e);
                }
            }
        }
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
