namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// What the directory gives the player who hosts a session (<see cref="SessionHostKind.Player"/>): the key its server
/// opens joiners' connect tokens with (<see cref="NetServerOptions.PrivateKey"/>) and the rendezvous id it registers
/// with the introducer (<see cref="NatTraversal.Host"/>). Both are secrets of this session only: keep them in the
/// host's process.
/// </summary>
/// <param name="Session">The new session, with the host seated in it.</param>
/// <param name="SessionKey">The 32-byte key of this session's connect tokens.</param>
/// <param name="Rendezvous">The rendezvous id of this session at the introducer.</param>
public sealed record PlayerHostGrant(SessionInfo Session, byte[] SessionKey, Guid Rendezvous)
{
    /// <summary>
    /// The session's 32-byte punch key (<see cref="NatTraversal.Host(Guid, byte[])"/>): host and joiners tag their Punch
    /// packets with it, so nobody else — not the introducer, not someone who learned a route id — can forge one. Null from a
    /// directory that does not issue one.
    /// </summary>
    public byte[]? PunchKey { get; init; }
}
