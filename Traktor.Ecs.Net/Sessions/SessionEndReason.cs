namespace Traktor.Ecs.Net.Sessions;

/// <summary>Why a session ended (or, for <see cref="ConnectionLost"/>, why a client lost it); what players are shown.</summary>
public enum SessionEndReason
{
    /// <summary>The session has not ended.</summary>
    None = 0,

    /// <summary>The game server or the player who created it ended it (the match is over).</summary>
    Ended = 1,

    /// <summary>Its game server stopped heartbeating and was declared dead; its players should find another session.</summary>
    ServerLost = 2,

    /// <summary>Its game server shut down or deregistered while the session was live.</summary>
    ServerShutdown = 3,

    /// <summary>Nobody was in it for the directory's empty-session timeout.</summary>
    Empty = 4,

    /// <summary>Client side only: the game server could not be reached again although the directory still lists the session.</summary>
    ConnectionLost = 5,

    /// <summary>
    /// Client side only: this player hosted the session, and the directory gave it to a successor (a host migration while
    /// this host's heartbeats did not reach the directory). The session goes on under the new host; this player may join it
    /// again as a player.
    /// </summary>
    HostReplaced = 6,
}
