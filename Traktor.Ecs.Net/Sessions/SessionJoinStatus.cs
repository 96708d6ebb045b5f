namespace Traktor.Ecs.Net.Sessions;

/// <summary>The outcome of a join.</summary>
public enum SessionJoinStatus
{
    /// <summary>A slot was taken; the connect info is valid.</summary>
    Joined = 0,

    /// <summary>The player already had a slot; a fresh connect token was issued (rejoining after a drop).</summary>
    AlreadyMember = 1,

    /// <summary>No such session.</summary>
    NotFound = 2,

    /// <summary>Every slot is taken.</summary>
    Full = 3,

    /// <summary>The session has ended (<see cref="SessionInfo.EndReason"/> says why).</summary>
    Ended = 4,
}
