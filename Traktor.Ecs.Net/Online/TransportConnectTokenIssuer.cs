using System.Net;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Connects the online services to the transport: login hands out connect tokens that the game
/// servers at the given addresses accept (they share <c>serverKey</c>). The player's
/// user id becomes the transport's client id, so a reconnect is recognised as the same player.
/// </summary>
public sealed class TransportConnectTokenIssuer : IConnectTokenIssuer
{
    private readonly ConnectTokenIssuer _issuer;
    private readonly NetAddress[] _serverAddresses;

    /// <summary>Tokens for the game servers at <paramref name="serverAddresses"/>, tried in order; any transport kinds (UDP first, then a WebSocket fallback).</summary>
    /// <param name="issuer">The transport's token issuer, built with the game servers' key.</param>
    /// <param name="serverAddresses">Where the game servers listen.</param>
    /// <exception cref="ArgumentException">A UDP address is the unspecified address a socket binds to (<c>[::]</c>, <c>0.0.0.0</c>).</exception>
    public TransportConnectTokenIssuer(ConnectTokenIssuer issuer, IReadOnlyList<NetAddress> serverAddresses)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(serverAddresses);
        NetAddress.RequireReachable(serverAddresses, nameof(serverAddresses));   // here, not at every player's Connect
        _issuer = issuer;
        _serverAddresses = serverAddresses.ToArray();
    }

    /// <summary>Tokens for the game servers' UDP endpoints <paramref name="serverAddresses"/>.</summary>
    /// <param name="issuer">The transport's token issuer, built with the game servers' key.</param>
    /// <param name="serverAddresses">Where the game servers listen (UDP).</param>
    /// <exception cref="ArgumentException">An address is the unspecified address a socket binds to (<c>[::]</c>, <c>0.0.0.0</c>).</exception>
    public TransportConnectTokenIssuer(ConnectTokenIssuer issuer, IReadOnlyList<IPEndPoint> serverAddresses)
        : this(issuer, (serverAddresses ?? throw new ArgumentNullException(nameof(serverAddresses))).Select(e => NetAddress.FromEndPoint(e)).ToArray())
    {
    }

    /// <inheritdoc />
    public byte[] IssueConnectToken(long userId, ReadOnlySpan<byte> userData, TimeSpan lifetime)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        return _issuer.Issue((ulong)userId, userData, lifetime, _serverAddresses);
    }
}
