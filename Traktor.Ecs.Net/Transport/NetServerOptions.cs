using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Decides whether an authenticated client may connect; receives the token's user data.</summary>
public delegate bool ConnectionApproval(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address);

/// <summary>Server settings.</summary>
public sealed class NetServerOptions : NetPeerOptions
{
    /// <summary>The key shared with the connect token issuer (32 bytes); required unless <see cref="NetPeerOptions.Insecure"/>.</summary>
    public byte[]? PrivateKey { get; set; }

    /// <summary>Most clients connected at once.</summary>
    public int MaxClients { get; set; } = 64;

    /// <summary>
    /// The addresses clients reach this server at. A token must name one of them, so a token for another
    /// server is useless here. Empty accepts any (not advised on the internet).
    /// </summary>
    public IReadOnlyList<NetAddress> PublicAddresses { get; set; } = [];

    /// <summary>Optional approval callback, run after the client proved its address and its token keys.</summary>
    public ConnectionApproval? ApproveConnection { get; set; }

    /// <summary>Pre-connection packets answered per second per source address (hashed into a fixed table).</summary>
    public double HandshakeRatePerSecond { get; set; } = 10;

    /// <summary>Burst allowed above <see cref="HandshakeRatePerSecond"/>.</summary>
    public double HandshakeBurst { get; set; } = 20;

    /// <summary>
    /// How long the handshake ignores an IP address after one of its connections was closed with
    /// <see cref="DisconnectReason.ProtocolViolation"/> (default 30 s), so an offender cannot reconnect at once.
    /// </summary>
    public TimeSpan ViolationPenalty { get; set; } = TimeSpan.FromSeconds(30);
}
