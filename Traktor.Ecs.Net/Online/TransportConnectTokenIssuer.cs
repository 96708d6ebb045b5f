using System.Net;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Connects the online services to the transport: login hands out connect tokens that the game
/// servers at <paramref name="serverAddresses"/> accept (they share <c>serverKey</c>). The player's
/// user id becomes the transport's client id, so a reconnect is recognised as the same player.
/// </summary>
/// <param name="issuer">The transport's token issuer, built with the game servers' key.</param>
/// <param name="serverAddresses">Where the game servers listen.</param>
public sealed class TransportConnectTokenIssuer(ConnectTokenIssuer issuer, IReadOnlyList<IPEndPoint> serverAddresses) : IConnectTokenIssuer
{
    /// <inheritdoc />
    public byte[] IssueConnectToken(long userId, ReadOnlySpan<byte> userData, TimeSpan lifetime)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        return issuer.Issue((ulong)userId, userData, lifetime, serverAddresses);
    }
}
