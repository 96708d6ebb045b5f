namespace Traktor.Ecs.Net;

/// <summary>
/// Who is in the session, as the facade heard it: <see cref="PlayerJoined"/> is raised once per player and session, so a
/// new host after a migration, which announces its roster again, does not announce the players already in the session twice.
/// </summary>
public sealed partial class Multiplayer
{
    private readonly HashSet<ulong> roster = new();

    /// <summary>
    /// Raises <see cref="PlayerJoined"/> for this tick's joins of players not already in the session (as this player heard it:
    /// a host migration's successor announces the players it serves again) and <see cref="PlayerLeft"/> for its departures.
    /// </summary>
    private void RaisePlayerEvents()
    {
        foreach (ref var chunk in client.World.Query(in joinedQuery))
        {
            foreach (ref readonly var e in chunk.GetReadOnlySpan<Sessions.PlayerJoined>())
            {
                if (roster.Add(e.PlayerId))
                {
                    PlayerJoined?.Invoke(e);
                }
            }
        }

        foreach (ref var chunk in client.World.Query(in leftQuery))
        {
            foreach (ref readonly var e in chunk.GetReadOnlySpan<Sessions.PlayerLeft>())
            {
                roster.Remove(e.PlayerId);
                PlayerLeft?.Invoke(e);
            }
        }
    }
}
