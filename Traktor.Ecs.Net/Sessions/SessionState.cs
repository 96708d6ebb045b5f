namespace Traktor.Ecs.Net.Sessions;

/// <summary>Whether a session is running.</summary>
public enum SessionState
{
    /// <summary>Placed on a game server and joinable while it has free slots.</summary>
    Live = 0,

    /// <summary>Over; <see cref="SessionInfo.EndReason"/> says why. Nobody can join it any more.</summary>
    Ended = 1,
}
