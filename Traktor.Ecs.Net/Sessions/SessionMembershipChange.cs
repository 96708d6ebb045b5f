namespace Traktor.Ecs.Net.Sessions;

/// <summary>A player joined or left a session; raised by <see cref="ISessions.MembershipChanged"/>.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="PlayerId">The player.</param>
/// <param name="PlayerName">Its display name (empty when leaving).</param>
/// <param name="Joined">True for a join, false for a leave.</param>
/// <param name="PlayerCount">Players in the session after the change.</param>
public readonly record struct SessionMembershipChange(SessionId SessionId, ulong PlayerId, string PlayerName, bool Joined, int PlayerCount);
