namespace Traktor.Ecs.Net.Sessions;

/// <summary>A snapshot of one session's state.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its display name or mode.</param>
/// <param name="MaxPlayers">Its capacity.</param>
/// <param name="Visibility">Whether it is listed.</param>
/// <param name="Properties">Game-defined key/value pairs (mode, map, region…), used by filters.</param>
/// <param name="Members">Its players, in join order.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record SessionInfo(
    SessionId Id,
    string Name,
    int MaxPlayers,
    SessionVisibility Visibility,
    IReadOnlyDictionary<string, string> Properties,
    IReadOnlyList<SessionMember> Members,
    DateTimeOffset CreatedAt)
{
    /// <summary>Live or ended.</summary>
    public SessionState State { get; init; } = SessionState.Live;

    /// <summary>Why it ended; <see cref="SessionEndReason.None"/> while live.</summary>
    public SessionEndReason EndReason { get; init; }

    /// <summary>When it ended, or null while live.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>What hosts it.</summary>
    public SessionHostKind HostKind { get; init; } = SessionHostKind.DedicatedServer;

    /// <summary>The id of the game server hosting it, or null for an in-process session.</summary>
    public string? ServerId { get; init; }

    /// <summary>
    /// For a session hosted by a player (<see cref="SessionHostKind.Player"/>): the player hosting it now (its creator, or
    /// the member that claimed the host after a host migration); null for a dedicated server's session.
    /// </summary>
    public long? HostUserId { get; init; }

    /// <summary>Players in the session.</summary>
    public int PlayerCount => Members.Count;

    /// <summary>Free slots.</summary>
    public int FreeSlots => MaxPlayers - Members.Count;

    /// <summary>True when <paramref name="userId"/> holds a slot.</summary>
    /// <param name="userId">A player.</param>
    /// <returns>True when a member.</returns>
    public bool IsMember(long userId)
    {
        foreach (var member in Members)
        {
            if (member.UserId == userId)
            {
                return true;
            }
        }

        return false;
    }
}
