namespace Traktor.Ecs.Net.Sessions;

/// <summary>The outcome of <see cref="ISessions.JoinSessionAsync(SessionId, long, CancellationToken)"/> and <see cref="ISessions.QuickJoinAsync(long, SessionFilter?, SessionOptions, CancellationToken)"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Session">The session after the join (null for <see cref="SessionJoinStatus.NotFound"/>).</param>
/// <param name="ConnectInfo">The server and token, for <see cref="SessionJoinStatus.Joined"/> and <see cref="SessionJoinStatus.AlreadyMember"/>.</param>
public sealed record SessionJoinResult(SessionJoinStatus Status, SessionInfo? Session, SessionConnectInfo? ConnectInfo)
{
    /// <summary>True when the player holds a slot and can connect.</summary>
    public bool Succeeded => Status is SessionJoinStatus.Joined or SessionJoinStatus.AlreadyMember;
}
