namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// A connection approval that says why it refuses: null admits, a reason goes to the client in the handshake's Denied
/// packet. The library's own approvals use it where the reason tells the player something a bare
/// <see cref="DisconnectReason.Rejected"/> would not (a session relay's ended session: <see cref="DisconnectReason.SessionEnded"/>,
/// as a player host says it).
/// </summary>
/// <param name="clientId">The token's client id.</param>
/// <param name="userData">The token's user data.</param>
/// <param name="address">The client's address.</param>
/// <returns>Null to admit; otherwise why not.</returns>
internal delegate DisconnectReason? ConnectionRefusal(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address);
