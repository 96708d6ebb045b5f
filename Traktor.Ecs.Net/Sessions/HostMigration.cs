namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// A host migration a player went through (<see cref="Multiplayer.HostMigrated"/>): the session's host was lost, the
/// directory gave the session to a successor, and this player now plays under it, with the world the old host left.
/// </summary>
/// <param name="Session">The session under its new host (<see cref="SessionInfo.HostUserId"/> is <paramref name="NewHostUserId"/>).</param>
/// <param name="PreviousHostUserId">The host that was lost.</param>
/// <param name="NewHostUserId">The player hosting now.</param>
/// <param name="IsLocalHost">True when this player is the new host (<see cref="Multiplayer.Host"/> serves the session now).</param>
/// <param name="Duration">From losing the old host to playing under the new one, on this player's clock.</param>
public sealed record HostMigration(SessionInfo Session, long PreviousHostUserId, long NewHostUserId, bool IsLocalHost, TimeSpan Duration);
