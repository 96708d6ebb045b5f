namespace Traktor.Ecs.Net.Sessions;

/// <summary>How a player that joined a session reaches its game server.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="ConnectToken">Pass to <see cref="NetClient.Connect(ReadOnlySpan{byte})"/>; it carries the player id and a <see cref="SessionTicket"/>.</param>
/// <param name="ServerAddresses">
/// The game server addresses the token is valid for (also inside the token), in the order a client tries them: UDP first,
/// then the TCP or WebSocket addresses the server also listens on for players whose network blocks UDP.
/// </param>
/// <param name="ExpiresAt">The token's expiry: connect before it.</param>
public sealed record SessionConnectInfo(SessionId SessionId, byte[] ConnectToken, IReadOnlyList<NetAddress> ServerAddresses, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// For a session hosted by a player (<see cref="SessionHostKind.Player"/>): the rendezvous id to present to the
    /// introducer (<see cref="NatTraversal.Join"/>) to reach the host behind its NAT; null for a dedicated server.
    /// </summary>
    public Guid? Rendezvous { get; init; }

    /// <summary>For a session hosted by a player: the session's punch key (<see cref="NatTraversal.Join(Guid, byte[])"/>); null otherwise.</summary>
    public byte[]? PunchKey { get; init; }
}
