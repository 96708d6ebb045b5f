using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Client settings.</summary>
public sealed class NetClientOptions : NetPeerOptions
{
    /// <summary>How often handshake packets are repeated until the server answers.</summary>
    public TimeSpan HandshakeResendInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one server address is tried before the next one in the token.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a server address may leave the connection request unanswered (no challenge, no denial) before the
    /// next address in the token is tried; the last address is tried for the whole <see cref="ConnectTimeout"/>.
    /// A token listing a UDP address and then a WebSocket one falls back to WebSocket after this long when UDP is
    /// blocked on the player's network. Default 2 s (about 20 request repeats).
    /// </summary>
    public TimeSpan ChallengeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The copy a client keeps (then validates). Every member is a value except <see cref="NetPeerOptions.Capture"/>,
    /// which the client reads live from the caller's object instead (a capture is switched on and off while it runs), so
    /// a shallow copy is whole.
    /// </summary>
    internal NetClientOptions Snapshot() => (NetClientOptions)MemberwiseClone();
}
